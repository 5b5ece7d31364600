"""Bytes of a table as CSV, XLSX and Parquet, with the filters stated: in the file name (all
three), in a "filters" sheet (XLSX) and in the key-value metadata (Parquet). CSV stays a clean
table. Text cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) get
a leading apostrophe in CSV and XLSX.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from warehouse.filters import DIMENSIONS, Filters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET_MIME = "application/vnd.apache.parquet"


def neutralise_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix an apostrophe to text cells a spreadsheet would read as a formula."""
    text = [c for c, t in frame.schema.items() if t in (pl.Utf8, pl.Categorical, pl.Enum)]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.Utf8).str.contains(r"^[=+\-@\t\r]"))
        .then(pl.lit("'") + pl.col(c).cast(pl.Utf8))
        .otherwise(pl.col(c).cast(pl.Utf8))
        .alias(c)
        for c in text
    )


def filter_pairs(filters: Filters | None) -> list[tuple[str, str]]:
    """The filters as (name, value) rows, for the XLSX sheet and the Parquet metadata."""
    if filters is None:
        return []
    rows = [("date_from", str(filters.date_from)), ("date_to", str(filters.date_to))]
    rows += [(dim, ", ".join(getattr(filters, dim)) or "all") for dim in DIMENSIONS]
    rows.append(("compare", filters.compare))
    return rows


def file_stem(name: str, filters: Filters | None) -> str:
    """`<name>__<from>_<to>[__<dim>-<values>]...`, safe on every file system: ASCII letters, digits,
    `._-` only, no leading dot or dash, at most 180 characters (plus the extension)."""
    parts = [_slug(name)]
    if filters is not None:
        parts.append(f"{filters.date_from}_{filters.date_to}")
        for dim in DIMENSIONS:
            values = getattr(filters, dim)
            if values:
                parts.append(f"{dim}-" + "+".join(_slug(v) for v in values))
    return "__".join(parts)[:180]


def _slug(text: str) -> str:
    # Only letters, digits, dot, dash and underscore, never leading with a dot or dash: a name built
    # from filter values cannot hold a path separator, NUL, or be "." / ".." / hidden / an option.
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-.") or "x"


def csv_bytes(frame: pl.DataFrame) -> bytes:
    safe = neutralise(frame)
    safe = safe.rename({c: neutralise_text(c) for c in safe.columns if neutralise_text(c) != c})
    return safe.write_csv().encode("utf-8")


def xlsx_bytes(
    frame: pl.DataFrame,
    filters: Filters | None = None,
    title: str = "data",
    notes: list[tuple[str, str]] | None = None,
) -> bytes:
    """A workbook with the table on the first sheet and the filters (plus notes) on "filters"."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    write_table(book, _sheet_name(title), frame)
    about = [("table", title), *filter_pairs(filters), *(notes or [])]
    write_table(book, "filters", pl.DataFrame(about, schema=["setting", "value"], orient="row"))
    book.close()
    return buffer.getvalue()


def write_table(book: xlsxwriter.Workbook, sheet_name: str, frame: pl.DataFrame) -> None:
    """One sheet: bold header, typed cells, formula-like text neutralised, widths to fit."""
    sheet = book.add_worksheet(_sheet_name(sheet_name))
    bold = book.add_format({"bold": True, "bottom": 1})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    time_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    widths = [len(str(c)) for c in frame.columns]
    for j, col in enumerate(frame.columns):
        sheet.write_string(0, j, neutralise_text(str(col)), bold)
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, value in enumerate(row):
            if value is None or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, bool):
                sheet.write_boolean(i, j, value)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(i, j, float(value))
            elif isinstance(value, datetime):
                sheet.write_datetime(i, j, value.replace(tzinfo=None), time_fmt)
            elif isinstance(value, date):
                sheet.write_datetime(i, j, datetime(value.year, value.month, value.day), date_fmt)
            else:
                text = neutralise_text(str(value))
                sheet.write_string(i, j, text)
                widths[j] = max(widths[j], min(len(text), 60))
    for j, w in enumerate(widths):
        sheet.set_column(j, j, max(10, w + 2))
    sheet.freeze_panes(1, 0)


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "data"


def parquet_bytes(
    frame: pl.DataFrame,
    filters: Filters | None = None,
    title: str = "data",
    notes: list[tuple[str, str]] | None = None,
) -> bytes:
    """Parquet with the filters as key-value metadata (keys "cx.<name>")."""
    table = frame.to_arrow()
    meta = dict(table.schema.metadata or {})
    for key, value in [("table", title), *filter_pairs(filters), *(notes or [])]:
        meta[f"cx.{key}".encode()] = str(value).encode()
    table = table.replace_schema_metadata(meta)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


# -- cost assumptions: what-if and the next version ---------------------------------------------
def changed_assumptions(saved: pl.DataFrame, edited) -> dict[str, float]:
    """Settings whose value was edited in the page (setting -> new value)."""
    if edited is None:
        return {}
    edited = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    before = dict(zip(saved["setting"].to_list(), saved["setting_value"].to_list(), strict=True))
    out = {}
    for setting, value in zip(edited["setting"].to_list(), edited["setting_value"].to_list(), strict=True):
        if value is not None and setting in before and float(value) != float(before[setting]):
            out[setting] = float(value)
    return out


def assumptions_csv(saved: pl.DataFrame, edited, valid_from: date) -> bytes:
    """The edited assumptions as the next version of cost_assumptions.csv (the canonical
    columns `cx ingest` reads: version, valid_from, setting, value, unit, description)."""
    changes = changed_assumptions(saved, edited)
    version = int(saved["version"].max() or 0) + 1
    frame = saved.select(
        pl.lit(version).alias("version"),
        pl.lit(valid_from.isoformat()).alias("valid_from"),
        "setting",
        pl.col("setting")
        .replace_strict(changes, default=pl.col("setting_value"), return_dtype=pl.Float64)
        .alias("value"),
        "unit",
        "description",
    )
    return csv_bytes(frame)
