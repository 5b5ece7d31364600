"""Readers: an export file (CSV, CSV.gz, XLSX, JSON lines, Parquet) -> a Parquet stage of text columns.

Every value is kept as text (no type inference that could lose a bad value); parsing and checking
happen afterwards in DuckDB SQL. Each data row gets a 1-based `row_number` (its position among
the data rows of the file; for XLSX the sheet row is row_number + 1). Rows that are entirely empty
(blank lines, blank sheet rows) are not data and are skipped without renumbering the others.

CSV text is read as UTF-8; other encodings (UTF-16 with a BOM, Windows-1252) are transcoded first
by ingest.encodings, and the file's load message says so. Line ends may be LF, CRLF or CR.

CSV, CSV.gz, JSON lines and Parquet stream through Polars' streaming engine into the stage, so
memory stays bounded whatever the file size; XLSX workbooks are read whole (Excel caps a sheet at
about a million rows). A .csv.gz is decompressed to the scratch folder, at first only its start
(GZIP_START_BYTES): a file is judged by its first rows before the rest is read (Export.stage with
a limit; ingest.run).

A file name is a path, never a pattern: the readers open a link with a plain name in the scratch
folder, and are told not to glob (or given the path glob-escaped) where the folder's name may hold
[ ] * ? (literal_pattern).
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import os
import shutil
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingest import encodings, read_errors, structure, workbooks

ROW_NUMBER = "row_number"
# Columns every stage has besides row_number and the canonical columns (ingest.profiles.transform
# fills them from a profile's rules): the file's data row, and why a row is not a fact / which
# looked-up key it misses. Without rules: the data row is row_number, the reasons are null.
SOURCE_ROW, NOT_A_FACT, MISSING_REFERENCE = "_source_row", "_not_a_fact", "_missing_reference"
SNIFF_BYTES = 64 * 1024
# Of a .csv.gz, open_export decompresses only this much (whole lines) at first: enough to judge
# the start of the file (Export.stage with a limit; ingest.run refuses a mostly-bad file from it).
# The rest is decompressed when the whole file is staged.
GZIP_START_BYTES = 32 * 1024 * 1024
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


def literal_pattern(path: Path) -> str:
    """`path` as a glob pattern that matches only itself, for readers that take every name as a
    pattern (Polars' scan_ndjson, DuckDB's read_parquet): `st[1].csv` would read `st1.csv`, and
    `x*.csv` every file it matches. Readers that can be told (glob=False) are told instead."""
    return glob.escape(str(path))


def scratch_file(workdir: Path, kind: str, suffix: str) -> Path:
    """A new file name in the run's scratch folder, never derived from the export's own name."""
    return workdir / f"{kind}-{uuid.uuid4().hex}{suffix}"


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
    eol: str = "\n"  # "\r" for the CR-only line ends of old Mac spreadsheets (CRLF reads as "\n")
    text_path: Path | None = None  # a UTF-8 copy of the CSV: decompressed (.csv.gz), transcoded, or both
    sheet: pl.DataFrame | None = None  # the XLSX sheet workbooks.choose_sheet picked, read whole
    sheet_name: str | None = None  # its name
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook to read (choose_sheets)
    sheet_notes: dict[str, str] = field(default_factory=dict)  # per sheet to read: its message note
    notes: list[str] = field(default_factory=list)  # how the file was read, for its load message
    decoded: bool = False  # text_path was transcoded to UTF-8 (ingest.encodings)
    link: Path | None = None  # the file under a plain name in the scratch folder (open_export)
    start_only: bool = False  # text_path holds only the first lines of the .csv.gz (GZIP_START_BYTES)

    @property
    def readable(self) -> Path:
        """The file the readers open: its link, or the file itself where no link could be made."""
        return self.link or self.path

    def stage(
        self,
        mapping: dict[str, str],
        columns: list[str],
        out: Path,
        read_options: dict | None = None,
        transform: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
        limit: int | None = None,
    ) -> int:
        """Write `row_number` plus `columns` (canonical names, text) to the Parquet file `out`,
        with the columns of ingest.structure that mark rows that are not data.

        `mapping` maps original header names to canonical columns; canonical columns without a
        source column are written as nulls. `transform` (a profile's rules) reshapes the frame
        into the stage layout; without it the stage is the columns as read, plus SOURCE_ROW,
        NOT_A_FACT and MISSING_REFERENCE. Returns the number of staged rows.

        A CSV that turns out not to be UTF-8 past the bytes open_export checked is transcoded
        (ingest.encodings) and staged again.

        With `limit`, only the file's first `limit` data rows are staged, reading no further than
        they need: the start by which a mostly-bad file is judged (ingest.run). Nothing is then
        transcoded and no last row is judged cut off; what cannot be read raises Refused without
        looking further (the whole file's stage then says why).
        """
        if limit is not None:
            try:
                return self._stage(mapping, columns, out, read_options, transform, limit)
            except _NotUtf8 as not_utf8:
                raise Refused(f"not UTF-8 at the start: {not_utf8}") from None
        self._whole_text()
        try:
            return self._stage(mapping, columns, out, read_options, transform)
        except _NotUtf8 as not_utf8:
            decoded = _decode(self.text_path or self.readable, encodings.FALLBACK, out.parent)
            if decoded is None:  # the file is valid UTF-8 after all: the error was something else
                raise Refused(f"could not be read as {self.format}: {not_utf8}") from None
            if self.text_path is not None:
                self.text_path.unlink(missing_ok=True)
            self.text_path, self.decoded = decoded.path, True
            self.notes.append(decoded.note)
            return self._stage(mapping, columns, out, read_options, transform)

    def _stage(
        self,
        mapping: dict[str, str],
        columns: list[str],
        out: Path,
        read_options: dict | None,
        transform: Callable[[pl.LazyFrame], pl.LazyFrame] | None,
        limit: int | None = None,
    ) -> int:
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
            names = [f"_c{i}" for i in range(len(self.header))]
            exprs += structure.problem_columns(self.header, names)
            data = [pl.col(n) for n in names]
            not_blank = pl.any_horizontal([d.is_not_null() for d in data])
            frame = frame.filter(not_blank) if data else frame
            if limit is not None:
                frame = frame.head(limit)  # the streaming engine then stops reading the file
            frame = frame.select(exprs)
            if transform is not None:
                frame = transform(frame)
            else:
                frame = frame.with_columns(
                    pl.col(ROW_NUMBER).alias(SOURCE_ROW),
                    pl.lit(None, dtype=pl.String).alias(NOT_A_FACT),
                    pl.lit(None, dtype=pl.String).alias(MISSING_REFERENCE),
                )
            # No column statistics: nothing filters the stage on them, and they cost 10% of staging.
            frame.sink_parquet(out, compression="lz4", row_group_size=256 * 1024, statistics=False)
            if self.format in ("csv", "csv.gz") and limit is None:
                delimiter = str(opts.get("delimiter", self.delimiter))
                text = self.text_path or self.readable
                found = structure.truncated_last_line(text, delimiter, self.eol, len(self.header))
                if found is not None:
                    # every staged row of the file's last row (a wide survey row may be several)
                    structure.mark_last_row_truncated(out, found, len(self.header), SOURCE_ROW)
        except Refused:
            raise
        except (pl.exceptions.PolarsError, OSError, ValueError, OverflowError) as exc:
            if self.format in ("csv", "csv.gz") and not self.decoded and encodings.is_invalid_utf8_error(exc):
                raise _NotUtf8(read_errors.summary(exc)) from None
            if limit is not None:
                raise Refused(
                    f"the start could not be read as {self.format}: {read_errors.summary(exc)}"
                ) from None
            if self.format in ("csv", "csv.gz"):
                delimiter = str(opts.get("delimiter", self.delimiter))
                problem = read_errors.describe_csv(
                    self.text_path or self.readable, delimiter, len(self.header), exc
                )
                raise Refused(f"could not be read as {self.format}: {problem}") from None
            raise Refused(f"could not be read as {self.format}: {read_errors.summary(exc)}") from None
        return pl.scan_parquet(out, glob=False).select(pl.len()).collect().item()

    def _scan(self, opts: dict) -> pl.LazyFrame:
        names = [f"_c{i}" for i in range(len(self.header))]
        if self.format in ("csv", "csv.gz"):
            frame = pl.scan_csv(
                self.text_path or self.readable,
                glob=False,
                separator=str(opts.get("delimiter", self.delimiter)),
                eol_char=self.eol,
                infer_schema=False,
                with_column_names=lambda cols: names if len(cols) == len(names) else cols,
                skip_rows_after_header=int(opts.get("skip_rows_after_header", 0)),
                raise_if_empty=False,
                encoding="utf8",
            )
        elif self.format == "jsonl":
            schema = {h: pl.String for h in self.header}
            # scan_ndjson has no glob=False: the path goes as a pattern that matches only itself
            frame = pl.scan_ndjson(literal_pattern(self.readable), schema=schema).rename(
                dict(zip(self.header, names, strict=True))
            )
        elif self.format == "parquet":
            frame = pl.scan_parquet(self.readable, glob=False).select(
                [
                    _as_text(pl.col(h), dtype).alias(n)
                    for (h, dtype), n in zip(self._schema.items(), names, strict=True)
                ]
            )
        elif self.format == "xlsx":
            sheet = self.sheet
            # extra header rows (Qualtrics' question texts) are sheet rows after the header
            frame = (
                sheet.lazy()
                .slice(int(opts.get("skip_rows_after_header", 0)))
                .select(
                    [pl.col(c).cast(pl.String).alias(n) for c, n in zip(sheet.columns, names, strict=True)]
                )
            )
        else:  # pragma: no cover - file_format only returns the formats above
            raise Refused(f"unsupported format {self.format}")
        return frame.with_row_index(ROW_NUMBER, offset=1).with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))

    def may_hold(self, rows: int) -> bool:
        """Whether the export may have `rows` data rows or more, judged from its size or metadata
        without reading it (False only when it certainly has fewer)."""
        if self.format == "xlsx":
            return self.sheet is None or self.sheet.height >= rows
        if self.format == "parquet":
            return pl.scan_parquet(self.readable, glob=False).select(pl.len()).collect().item() >= rows
        if self.start_only:
            return True
        # a data row takes 2 bytes at least ("x" and a line end), a JSON line 4 ('{"":1}' less braces)
        least = 2 if self.format in ("csv", "csv.gz") else 4
        return (self.text_path or self.readable).stat().st_size >= least * rows

    def _whole_text(self) -> None:
        """Decompress the whole .csv.gz of which open_export kept only the start."""
        if not self.start_only or self.text_path is None:
            return
        try:
            _gunzip(self.readable, self.text_path)
        except (OSError, EOFError, zlib.error) as exc:
            raise Refused(f"could not be read as {self.format}: {read_errors.summary(exc)}") from None
        self.start_only = False

    @property
    def _schema(self) -> dict[str, pl.DataType]:
        return dict(pl.scan_parquet(self.readable, glob=False).collect_schema())

    def cleanup(self) -> None:
        """Remove the scratch files of this export (its text copy and its link, never the file)."""
        for scratch in (self.text_path, self.link):
            if scratch is not None:
                scratch.unlink(missing_ok=True)


class _NotUtf8(Exception):
    """The CSV reader met bytes that are not UTF-8."""


def _decode(path: Path, encoding: str, workdir: Path) -> encodings.Decoded | None:
    try:
        return encodings.decode(path, encoding, workdir)
    except encodings.EncodingRefused as exc:
        raise Refused(str(exc)) from None


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_nested():
        return expr.cast(pl.String) if dtype == pl.String else pl.struct(expr).struct.json_encode()
    return expr.cast(pl.String)


def _kind(head: bytes, text: str) -> str:
    return _describe_binary(head) if b"\x00" in head or any(head.startswith(m) for m in MAGIC) else text


def open_export(
    path: Path,
    workdir: Path,
    accept_header: Callable[[list[str]], bool] | None = None,
    sheet: str | None = None,
    *,
    all_sheets: bool = False,
) -> Export:
    """Check that `path` is a readable export and read its header; raise Refused otherwise.

    `accept_header` says whether a header matches a profile: of a workbook with several sheets, the
    first sheet it accepts is read (ingest.workbooks), or the sheet `sheet`. With `all_sheets`,
    Export.sheets lists every sheet to read (each accepted, or only `sheet`) and the note says
    which were read and skipped; the Export holds the first."""
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
    link = _link(path, workdir)
    try:
        export = _open(path, link or path, fmt, head, workdir, accept_header, sheet, all_sheets)
    except BaseException:
        if link is not None:
            link.unlink(missing_ok=True)
        raise
    export.link = link
    return export


def _link(path: Path, workdir: Path) -> Path | None:
    """A link to `path` under a plain name in the scratch folder, for the readers: a name with
    bytes that are not UTF-8 stops Polars, and one with [ ] * ? is a pattern to some readers.
    None where links cannot be made (the file is then read by its own name)."""
    suffix = next(s for s in sorted(SUFFIXES, key=len, reverse=True) if path.name.lower().endswith(s))
    link = scratch_file(workdir, "export", suffix)
    try:
        link.symlink_to(os.path.abspath(path))
    except OSError:
        return None
    return link


def _open(
    path: Path, source: Path, fmt: str, head: bytes, workdir: Path, accept_header, only=None, all_sheets=False
) -> Export:
    """open_export of `path` (messages and names), reading `source` (its link)."""
    try:
        if fmt == "csv":
            return _open_csv_text(path, source, head, workdir)
        if fmt == "csv.gz":
            if not head.startswith(b"\x1f\x8b"):
                raise Refused(f"not gzip-compressed: {_kind(head, 'plain text')}")
            text_path = scratch_file(workdir, "gunzipped", ".csv")
            whole = _gunzip(source, text_path, GZIP_START_BYTES)
            with open(text_path, "rb") as fh:
                inner = fh.read(SNIFF_BYTES)
            if not inner.strip():
                raise Refused("empty file (nothing inside the gzip)")
            if not whole and not _is_utf8(inner):  # transcoded whole, as it is read whole
                whole = _gunzip(source, text_path)
            export = _open_csv_text(path, text_path, inner, workdir, copy=True)
            export.format = "csv.gz"
            export.start_only = not whole
            return export
        if fmt == "jsonl":
            _check_text(head)
            return _open_jsonl(path, source)
        if fmt == "xlsx":
            if not head.startswith(b"PK\x03\x04"):
                raise Refused(f"not an XLSX workbook: {_kind(head, 'text content')}")
            try:
                sheet_notes: dict[str, str] = {}
                if all_sheets or only is not None:
                    sheets, skipped, names = workbooks.choose_sheets(source, accept_header, only)
                    sheet_name = sheets[0]
                    if skipped or len(sheets) > 1:
                        sheet_notes = {n: workbooks.sheets_note(n, sheets, skipped, names) for n in sheets}
                    note = sheet_notes.get(sheet_name)
                else:
                    sheet_name, note = workbooks.choose_sheet(source, accept_header)
                    sheets = [sheet_name] if sheet_name is not None else []
            except workbooks.NoMatchingSheet as exc:
                raise Refused(str(exc)) from None
            sheet = pl.read_excel(
                source,
                sheet_name=sheet_name,
                engine="calamine",
                infer_schema_length=0,
                drop_empty_rows=False,
                raise_if_empty=False,
            )
            header = [str(c) for c in sheet.columns]
            if not header or (sheet.height == 0 and all(c.startswith("__UNNAMED__") for c in header)):
                raise Refused("empty file (the sheet has no header row)")
            return Export(
                path,
                fmt,
                header,
                sheet=sheet,
                sheet_name=sheet_name,
                sheets=sheets,
                sheet_notes=sheet_notes,
                notes=[note] if note else [],
            )
        if fmt == "parquet":
            if not head.startswith(b"PAR1"):
                raise Refused(f"not a Parquet file: {_kind(head, 'text content')}")
            return Export(path, fmt, list(pl.scan_parquet(source, glob=False).collect_schema().names()))
    except Refused:
        raise
    except (gzip.BadGzipFile, EOFError, OSError, pl.exceptions.PolarsError, ValueError) as exc:
        raise Refused(f"could not be read as {fmt}: {read_errors.summary(exc)}") from None
    except Exception as exc:  # fastexcel raises its own error types
        raise Refused(
            f"could not be read as {fmt}: {type(exc).__name__}: {read_errors.summary(exc)}"
        ) from None
    raise Refused(f"unsupported format {fmt}")  # pragma: no cover


def _gunzip(source: Path, target: Path, limit: int | None = None) -> bool:
    """Decompress the gzip `source` into `target`: whole, or its first `limit` bytes cut to whole
    lines. True when `target` holds the whole content."""
    with gzip.open(source, "rb") as src, open(target, "wb") as dst:
        if limit is not None:
            start = src.read(limit)
            more = src.read(1)
            # whole lines: up to the last LF (CR for the CR-only line ends of old Mac files)
            end = (start.rfind(b"\n") + 1) or (start.rfind(b"\r") + 1)
            if more and end:
                dst.write(start[:end])
                return False
            dst.write(start + more)  # all of it, or not one whole line in it: the rest follows
        shutil.copyfileobj(src, dst, 4 * 1024 * 1024)
        return True


def _is_utf8(head: bytes) -> bool:
    try:
        return encodings.head_encoding(head) == "utf-8"
    except encodings.EncodingRefused:
        return True  # refused by _open_csv_text from the head alone


def _open_csv_text(path: Path, text: Path, head: bytes, workdir: Path, copy: bool = False) -> Export:
    """Open the CSV `path` whose bytes are in `text` (its link, or its decompressed `copy`):
    transcode it to UTF-8 first when it is in another encoding we read (ingest.encodings)."""
    if not head.strip():
        raise Refused("empty file")
    if any(head.startswith(m) for m in MAGIC) and (b"\x00" in head or not head.isascii()):
        raise Refused(_describe_binary(head))  # a ZIP, gzip or Parquet file under a .csv name
    try:
        encoding = encodings.head_encoding(head)
    except encodings.EncodingRefused as exc:
        raise Refused(_describe_binary(head) if str(exc) == "binary content" else str(exc)) from None
    notes = []
    if encoding != "utf-8":
        decoded = _decode(text, encoding, workdir)
        if decoded is None:  # pragma: no cover - head_encoding saw a byte that is not UTF-8
            raise Refused("not UTF-8 text")
        if copy:
            text.unlink(missing_ok=True)  # the decompressed copy: the transcoded one replaces it
        text, copy = decoded.path, True
        notes.append(decoded.note)
        with open(text, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    export = _open_csv(path, head)
    export.text_path = text if copy else None
    export.decoded = encoding != "utf-8"
    export.notes = notes
    return export


def _open_csv(path: Path, head: bytes) -> Export:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz")) else _sniff_delimiter(first_line)
    eol = "\r" if "\r" in text and "\n" not in text else "\n"
    try:
        header = next(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))
    except (StopIteration, csv.Error):
        header = []
    header = [h.replace("\ufeff", "") for h in header]
    if not any(h.strip() for h in header):
        raise Refused("empty file (no header row)")
    return Export(path, "csv", header, delimiter, eol)


def _open_jsonl(path: Path, source: Path, sample_lines: int = 1000) -> Export:
    header: dict[str, None] = {}
    with open(source, encoding="utf-8-sig") as fh:
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
