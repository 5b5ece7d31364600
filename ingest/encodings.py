"""Text encodings of CSV exports: the readers read UTF-8 only, so anything else is transcoded first.

What a CSV (or the CSV inside a .csv.gz) may be, and what happens to it:
- UTF-8, with or without a byte-order mark: read as it is (no extra pass over the file);
- UTF-16 with a byte-order mark (Excel's "Unicode text"): transcoded to UTF-8;
- not valid UTF-8 and without NUL bytes: read as Windows-1252, the superset of Latin-1's printable
  characters that Excel on Windows writes as "CSV". The file's load message says so and where the
  first non-UTF-8 byte was, so a wrong guess is visible;
- anything else (NUL bytes, UTF-16 without a byte-order mark, UTF-32, bytes that Windows-1252 does
  not define, text that looks like a double-byte encoding such as Shift-JIS or GBK): refused
  with a message.

Only the first 64 KiB are checked up front; a file that turns out not to be UTF-8 later on is
transcoded when the reader meets the bad byte (`readers.Export.stage` calls `decode`), so valid
UTF-8 files, nearly all of them, pay nothing for this.
"""

from __future__ import annotations

import codecs
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

CHUNK = 8 * 1024 * 1024
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
FALLBACK = "cp1252"
FALLBACK_NAME = "Windows-1252"
# In Western text read as Windows-1252, non-ASCII bytes come alone or in pairs ("Größe"); in the
# double-byte encodings of Chinese, Japanese and Korean every character is two of them, so runs of
# three or more dominate. Above this share of such runs, the file is refused instead of being read
# as Windows-1252 (which would load it as silent mojibake).
LONG_RUN = 3
MAX_LONG_RUN_SHARE = 0.25
HIGH_RUN = re.compile(rb"[\x80-\xff]+")


class EncodingRefused(ValueError):
    """The content is not text in an encoding we read; the message says what was found."""


@dataclass(frozen=True)
class Decoded:
    """A UTF-8 copy of a file (path) and the note that says what it was decoded from."""

    path: Path
    note: str


def _invalid_utf8(data: bytes, final: bool) -> int | None:
    """Offset of the first byte of `data` that is not UTF-8, or None (an incomplete character at
    the end of a non-final chunk is not an error)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def looks_like_utf16_without_bom(head: bytes) -> bool:
    """Mostly-ASCII UTF-16 text: a NUL in every other byte."""
    sample = head[:4096]
    if len(sample) < 4:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.9 * len(odd) or even.count(0) > 0.9 * len(even)


def head_encoding(head: bytes) -> str:
    """What the first bytes of a text export say about its encoding: "utf-8", "utf-16" or the
    fallback; raises EncodingRefused for content that is not text we read."""
    if head.startswith(UTF32_BOMS):
        raise EncodingRefused("UTF-32 text; save the export as UTF-8")
    if head.startswith(UTF16_BOMS):
        return "utf-16"
    if b"\x00" in head:
        if looks_like_utf16_without_bom(head):
            raise EncodingRefused(
                "UTF-16 text without a byte-order mark; save the export as UTF-8 (or UTF-16 with a BOM)"
            )
        raise EncodingRefused("binary content")
    bad = _invalid_utf8(head, final=False)
    # A character cut at the end of the sample is not an error: the sample is not the whole file.
    return "utf-8" if bad is None or bad >= len(head) - 4 else FALLBACK


def _first_invalid_utf8(path: Path) -> tuple[int, int, int] | None:
    """(byte offset, line, byte value) of the first byte of the file that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.start counts from the bytes the decoder held back (at most 3) plus this chunk
                held = len(exc.object) - len(chunk)
                at = exc.start - held
                before = chunk[: max(at, 0)]
                return offset + at, newlines + before.count(b"\n") + 1, exc.object[exc.start]
            if not chunk:
                return None
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def transcode(source: Path, target: Path, encoding: str) -> None:
    """Write `source` decoded from `encoding` to `target` as UTF-8 (streaming)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = runs = long_runs = 0
    with open(source, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while True:
            chunk = src.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start - (len(exc.object) - len(chunk))
                if encoding.startswith("utf-16"):
                    raise EncodingRefused(
                        f"not valid UTF-16 text (at offset {at:,}); save the export as UTF-8"
                    ) from None
                raise EncodingRefused(
                    f"neither UTF-8 nor {FALLBACK_NAME} text (byte 0x{exc.object[exc.start]:02X} "
                    f"at offset {at:,}); save the export as UTF-8"
                ) from None
            if "\x00" in text:
                raise EncodingRefused("binary content (NUL bytes in the text)")
            if encoding == FALLBACK:
                lengths = [len(m) for m in HIGH_RUN.findall(chunk)]
                runs += len(lengths)
                long_runs += sum(n >= LONG_RUN for n in lengths)
            dst.write(text)
            if not chunk:
                break
            offset += len(chunk)
    if runs and long_runs > MAX_LONG_RUN_SHARE * runs:
        raise EncodingRefused(
            f"neither UTF-8 nor {FALLBACK_NAME} text by the look of it (runs of non-ASCII bytes, as in "
            "Shift-JIS, GBK or Big5 text); save the export as UTF-8"
        )


def decode(path: Path, encoding: str, workdir: Path) -> Decoded | None:
    """A UTF-8 copy of `path` (in `workdir`), read as `encoding` ("utf-16" or the fallback); None
    for the fallback when the file is valid UTF-8 after all (nothing to decode)."""
    target = workdir / f"utf8-{uuid.uuid4().hex}.csv"  # never named after the export (a pattern to readers)
    if encoding == "utf-16":
        transcode(path, target, "utf-16")
        return Decoded(target, "decoded from UTF-16 (byte-order mark)")
    where = _first_invalid_utf8(path)
    if where is None:
        return None
    transcode(path, target, FALLBACK)
    return Decoded(target, f"not UTF-8 (byte 0x{where[2]:02X} on line {where[1]:,}): read as {FALLBACK_NAME}")


def is_invalid_utf8_error(exc: BaseException) -> bool:
    """The readers' (Polars') error for bytes that are not UTF-8."""
    return "utf-8" in str(exc).lower() or "utf8" in str(exc).lower()
