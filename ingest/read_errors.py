"""What a refusal says about a file's content: where the problem is, never the values themselves.

A refusal message is stored in meta.file_loads and shown (and exported) on the data quality page,
and the warehouse holds no personal data. Parser errors quote the field they choked on (Polars:
"could not parse `ann@example.com,...` as dtype str"), and a file without a header row puts its
first data row into "found header: ..." (a symlinked system file: its first line). So:
- `describe_csv` names the first row a CSV parser cannot read (its row number, line and field
  count) from a second, plain parse with Python's csv module, done only after a failure;
- `summary` is the first line of any other reader error with quoted values cut out, cut short;
- `quote` / `quote_names` quote what was read (header names, sheet names) short and escaped: at
  most SHOWN_NAMES names of at most SHOWN_CHARACTERS characters each;
- `printable` escapes what a terminal would act on (ESC sequences, a carriage return, bidi
  overrides) and bytes of a file name that are not UTF-8, in every message and file name stored;
- `redact` masks e-mail addresses anywhere and phone-like numbers inside quotes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

BACKTICKED = re.compile(r"`[^`]*`")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
PHONE = re.compile(r"\+?\d[\d ()./-]{6,}\d")
FIELD_LIMIT = 2**31 - 1  # Python's csv stops at 128 KiB fields by default; exports may hold larger
SHOWN_CHARACTERS = 32  # of one quoted name
SHOWN_NAMES = 10  # of a quoted header
SUMMARY_CHARACTERS = 300  # of a reader error's first line


def printable(text: str) -> str:
    """`text` with what is not printable written as an escape: control characters (ESC, CR, NUL)
    as \\x1b, format characters (bidi overrides) as \\u202e, bytes of a file name that are not
    UTF-8 (Python's surrogate escapes) as the byte, \\xff."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def cut(text: str, limit: int) -> str:
    """`text` (escaped) of at most `limit` characters, saying how many more there were."""
    text = printable(text)
    return text if len(text) <= limit else f"{text[:limit]}... (+{len(text) - limit:,} characters)"


def quote(value: str, limit: int = SHOWN_CHARACTERS) -> str:
    """A value read from a file, short and escaped, in quotes: 'order_id'."""
    return f"'{cut(value, limit)}'"


def quote_names(names: list[str], limit: int = SHOWN_NAMES) -> str:
    """The first `limit` names (a header), each quoted short: 'a', 'b', ... (N in all)."""
    shown = ", ".join(quote(n) for n in names[:limit])
    return shown + (f", ... ({len(names):,} in all)" if len(names) > limit else "")


def summary(exc: BaseException) -> str:
    """The first line of a reader error, with the values it quotes (in backticks) cut out."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return redact(cut(BACKTICKED.sub("(value not shown)", text), SUMMARY_CHARACTERS))


def redact(text: str) -> str:
    """Mask e-mail addresses, and phone-like numbers inside quotes (header names, listed values)."""
    text = EMAIL.sub("(e-mail address removed)", text)
    return QUOTED.sub(lambda m: PHONE.sub("(number removed)", m.group(0)), text)


def describe_csv(text: Path, delimiter: str, fields: int, exc: BaseException) -> str:
    """Why the CSV in `text` (UTF-8) could not be read: its first malformed row, by number."""
    csv.field_size_limit(FIELD_LIMIT)
    row = 0
    with open(text, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        try:
            next(reader)  # the header
            for row, record in enumerate(reader, start=1):
                if len(record) > fields:
                    return (
                        f"row {row:,} (line {reader.line_num:,}) has {len(record)} fields, the header "
                        f"has {fields}: a value with an unquoted {_name(delimiter)}, or a shifted row"
                    )
        except csv.Error as error:
            where = f"row {row + 1:,} (line {reader.line_num:,})"
            if "unexpected end of data" in str(error):
                return f"{where}: a quoted field is not closed before the end of the file (cut off?)"
            return f"{where}: malformed quoting ({error})"
        except StopIteration:
            pass
    return summary(exc)


def _name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delimiter, repr(delimiter))
