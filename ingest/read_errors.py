"""What a refusal says about a file's content: where the problem is, never the values themselves.

A refusal message is stored in meta.file_loads and shown (and exported) on the data quality page,
and the warehouse holds no personal data. Parser errors quote the field they choked on (Polars:
"could not parse `ann@example.com,...` as dtype str"), and a file without a header row puts its
first data row into "found header: ...". So:
- `describe_csv` names the first row a CSV parser cannot read (its row number, line and field
  count) from a second, plain parse with Python's csv module, done only after a failure;
- `summary` is the first line of any other reader error with quoted values cut out;
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


def summary(exc: BaseException) -> str:
    """The first line of a reader error, with the values it quotes (in backticks) cut out."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return redact(BACKTICKED.sub("(value not shown)", text))


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
            for row, record in enumerate(reader, start=1):  # noqa: B007 - row is reported after the loop
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
