"""Readers: an export file (CSV, CSV.gz, XLSX, JSON lines, Parquet) -> a Parquet stage of text columns.

Every value is kept as text (no type inference that could lose a bad value); parsing and checking
happen afterwards in DuckDB SQL. Each data row gets a 1-based `row_number` (its position among
the data rows of the file; for XLSX the sheet row is row_number + 1). Rows that are entirely empty
(blank lines, blank sheet rows) are not data and are skipped without renumbering the others.

CSV, CSV.gz, JSON lines and Parquet stream through Polars' streaming engine into the stage, so
memory stays bounded whatever the file size; XLSX workbooks are read whole (Excel caps a sheet at
about a million rows).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

ROW_NUMBER = "row_number"
SNIFF_BYTES = 64 * 1024
MAGIC = {b"PK\x03\x04": "a ZIP archive (XLSX?)", b"PAR1": "a Parquet file", b"\x1f\x8b": "a gzip file"}
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".csv.gz": "csv.gz",
    ".tsv.gz": "csv.gz",
    ".txt.gz": "csv.gz",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}
EXPORT_SUFFIXES = tuple(SUFFIXES)


class Refused(Exception):
    """The file cannot be read as an export at all.

    The message says what was found ("empty file", "binary content", ...); `complete` marks a
    message that already says what was expected too; `profile` is the profile chosen, if any.
    """

    def __init__(self, message: str, *, complete: bool = False, profile=None):
        super().__init__(message)
        self.complete = complete
        self.profile = profile


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    raise Refused(
        f"unsupported file type {path.suffix or '(no suffix)'!r}; expected one of {', '.join(SUFFIXES)}"
    )


def is_export(path: Path) -> bool:
    return path.name.lower().endswith(EXPORT_SUFFIXES) and path.name != "manifest.json"


def _describe_binary(head: bytes) -> str:
    for magic, what in MAGIC.items():
        if head.startswith(magic):
            return f"binary content ({what})"
    return "binary content"


def _check_text(head: bytes) -> None:
    """Refuse content that is not UTF-8 text: NUL bytes or invalid UTF-8 in the first 64 KiB."""
    if not head.strip():
        raise Refused("empty file")
    if b"\x00" in head:
        raise Refused(_describe_binary(head))
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            if any(head.startswith(m) for m in MAGIC):
                raise Refused(_describe_binary(head)) from None
            raise Refused(
                f"not UTF-8 text (invalid byte at offset {exc.start}); save the export as UTF-8"
            ) from None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


@dataclass
class Export:
    """An opened export: its format and header, ready to be staged."""

    path: Path
    format: str
    header: list[str]
    delimiter: str = ","
    text_path: Path | None = None  # the decompressed CSV of a .csv.gz
    sheet: pl.DataFrame | None = None  # the first sheet of an XLSX workbook, read whole

    def stage(
        self,
        mapping: dict[str, str],
        columns: list[str],
        out: Path,
        read_options: dict | None = None,
    ) -> int:
        """Write `row_number` plus `columns` (canonical names, text) to the Parquet file `out`.

        `mapping` maps original header names to canonical columns; canonical columns without a
        source column are written as nulls. Returns the number of data rows.
        """
        opts = read_options or {}
        try:
            frame = self._scan(opts)
            by_target = {target: original for original, target in mapping.items()}
            # Positional internal names avoid clashes between export names and canonical names.
            position = {name: i for i, name in enumerate(self.header)}
            exprs = [pl.col(ROW_NUMBER)]
            for c in columns:
                if c in by_target:
                    exprs.append(pl.col(f"_c{position[by_target[c]]}").alias(c))
                else:
                    exprs.append(pl.lit(None, dtype=pl.String).alias(c))
            data = [pl.col(f"_c{i}") for i in range(len(self.header))]
            not_blank = pl.any_horizontal([d.is_not_null() for d in data])
            frame = frame.filter(not_blank) if data else frame
            # No column statistics: nothing filters the stage on them, and they cost 10% of staging.
            frame.select(exprs).sink_parquet(
                out, compression="lz4", row_group_size=256 * 1024, statistics=False
            )
        except Refused:
            raise
        except (pl.exceptions.PolarsError, OSError, ValueError, OverflowError) as exc:
            raise Refused(f"could not be read as {self.format}: {_first_line(exc)}") from None
        return pl.scan_parquet(out).select(pl.len()).collect().item()

    def _scan(self, opts: dict) -> pl.LazyFrame:
        names = [f"_c{i}" for i in range(len(self.header))]
        if self.format in ("csv", "csv.gz"):
            frame = pl.scan_csv(
                self.text_path or self.path,
                separator=str(opts.get("delimiter", self.delimiter)),
                infer_schema=False,
                with_column_names=lambda cols: names if len(cols) == len(names) else cols,
                skip_rows_after_header=int(opts.get("skip_rows_after_header", 0)),
                raise_if_empty=False,
                encoding="utf8",
            )
        elif self.format == "jsonl":
            schema = {h: pl.String for h in self.header}
            frame = pl.scan_ndjson(self.path, schema=schema).rename(
                dict(zip(self.header, names, strict=True))
            )
        elif self.format == "parquet":
            frame = pl.scan_parquet(self.path).select(
                [
                    _as_text(pl.col(h), dtype).alias(n)
                    for (h, dtype), n in zip(self._schema.items(), names, strict=True)
                ]
            )
        elif self.format == "xlsx":
            sheet = self.sheet
            frame = sheet.lazy().select(
                [pl.col(c).cast(pl.String).alias(n) for c, n in zip(sheet.columns, names, strict=True)]
            )
        else:  # pragma: no cover - file_format only returns the formats above
            raise Refused(f"unsupported format {self.format}")
        return frame.with_row_index(ROW_NUMBER, offset=1).with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))

    @property
    def _schema(self) -> dict[str, pl.DataType]:
        return dict(pl.scan_parquet(self.path).collect_schema())

    def cleanup(self) -> None:
        if self.text_path is not None:
            self.text_path.unlink(missing_ok=True)


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_nested():
        return expr.cast(pl.String) if dtype == pl.String else pl.struct(expr).struct.json_encode()
    return expr.cast(pl.String)


def _kind(head: bytes, text: str) -> str:
    return _describe_binary(head) if b"\x00" in head or any(head.startswith(m) for m in MAGIC) else text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def open_export(path: Path, workdir: Path) -> Export:
    """Check that `path` is a readable export and read its header; raise Refused otherwise."""
    path = Path(path)
    fmt = file_format(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise Refused(f"unreadable file: {exc.strerror or exc}") from None
    if size == 0:
        raise Refused("empty file")
    try:
        if fmt == "csv":
            _check_text(head)
            return _open_csv(path, head)
        if fmt == "csv.gz":
            if not head.startswith(b"\x1f\x8b"):
                raise Refused(f"not gzip-compressed: {_kind(head, 'plain text')}")
            text_path = workdir / (path.name[:-3] + ".decompressed")
            with gzip.open(path, "rb") as src, open(text_path, "wb") as dst:
                shutil.copyfileobj(src, dst, 4 * 1024 * 1024)
            with open(text_path, "rb") as fh:
                inner = fh.read(SNIFF_BYTES)
            _check_text(inner)
            export = _open_csv(path, inner)
            export.format, export.text_path = "csv.gz", text_path
            return export
        if fmt == "jsonl":
            _check_text(head)
            return _open_jsonl(path)
        if fmt == "xlsx":
            if not head.startswith(b"PK\x03\x04"):
                raise Refused(f"not an XLSX workbook: {_kind(head, 'text content')}")
            sheet = pl.read_excel(
                path,
                sheet_id=1,
                engine="calamine",
                infer_schema_length=0,
                drop_empty_rows=False,
                raise_if_empty=False,
            )
            header = [str(c) for c in sheet.columns]
            if not header or (sheet.height == 0 and all(c.startswith("__UNNAMED__") for c in header)):
                raise Refused("empty file (the first sheet has no header row)")
            return Export(path, fmt, header, sheet=sheet)
        if fmt == "parquet":
            if not head.startswith(b"PAR1"):
                raise Refused(f"not a Parquet file: {_kind(head, 'text content')}")
            return Export(path, fmt, list(pl.scan_parquet(path).collect_schema().names()))
    except Refused:
        raise
    except (gzip.BadGzipFile, EOFError, OSError, pl.exceptions.PolarsError, ValueError) as exc:
        raise Refused(f"could not be read as {fmt}: {_first_line(exc)}") from None
    except Exception as exc:  # fastexcel raises its own error types
        raise Refused(f"could not be read as {fmt}: {type(exc).__name__}: {_first_line(exc)}") from None
    raise Refused(f"unsupported format {fmt}")  # pragma: no cover


def _open_csv(path: Path, head: bytes) -> Export:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz")) else _sniff_delimiter(first_line)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error):
        header = []
    header = [h.replace("\ufeff", "") for h in header]
    if not any(h.strip() for h in header):
        raise Refused("empty file (no header row)")
    return Export(path, "csv", header, delimiter)


def _open_jsonl(path: Path, sample_lines: int = 1000) -> Export:
    header: dict[str, None] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, start=1):
            if n > sample_lines:
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                what = (
                    "a JSON array, not JSON lines" if n == 1 and line.lstrip().startswith("[") else str(exc)
                )
                raise Refused(f"line {n} is not a JSON object ({what})") from None
            if not isinstance(record, dict):
                what = " (a JSON array, not JSON lines)" if n == 1 and isinstance(record, list) else ""
                raise Refused(f"line {n} is not a JSON object{what}")
            header.update(dict.fromkeys(record))
    if not header:
        raise Refused("empty file (no JSON objects)")
    return Export(path, "jsonl", list(header))
