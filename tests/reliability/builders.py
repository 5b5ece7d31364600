"""Builders for the bad-input corpus: export bytes made in code from the valid two-row exports of
tests/ingest/exports.py (BASE), never from committed files.

`rows(source, tag)` gives BASE's rows with the key made new (so they do not collide with the known
good load the corpus runs against), `with_values` changes cells, and `csv_bytes`, `xlsx_bytes`,
`parquet_bytes` write them out in the shape a case needs.
"""

from __future__ import annotations

import csv
import io

import polars as pl
import xlsxwriter

from tests.ingest.exports import BASE, rows_of

# A free-text column of each source's key: tagging it gives rows that no earlier load holds.
TAG_COLUMN = {
    "orders": "order_id",
    "customers": "customer_id",
    "contacts": "contact_id",
    "surveys": "response_id",
    "sessions": "session_id",
    "stores": "store_id",
    "roadmap": "initiative_id",
    "roadmap_checkins": "initiative_id",
    "cost_assumptions": "setting",
    "order_headers": "order_id",
}


def header(source: str) -> list[str]:
    return rows_of(source)[0]


def rows(source: str, tag: str | None = None) -> list[list[str]]:
    """BASE's data rows of `source`; with `tag`, the key column prefixed so the rows are new."""
    head, data = rows_of(source)
    if tag is None:
        return [list(r) for r in data]
    i = head.index(TAG_COLUMN[source])
    return [[f"{tag}-{v}" if j == i else v for j, v in enumerate(r)] for r in data]


def variant(source: str, key: str, row: int = 1, **values: str) -> list[str]:
    """BASE's data row `row` of `source` with its key column set to `key` and some values changed."""
    return with_values(source, rows(source)[row - 1], **{TAG_COLUMN[source]: key, **values})


def with_values(source: str, row: list[str], **values: str) -> list[str]:
    """`row` (of `source`) with some columns replaced."""
    head = header(source)
    out = list(row)
    for column, value in values.items():
        out[head.index(column)] = value
    return out


def table(source: str, data: list[list[str]], columns: list[str] | None = None) -> list[list[str]]:
    """Header + rows, optionally only/in the order of `columns`."""
    head = header(source)
    if columns is None:
        return [head, *data]
    idx = [head.index(c) for c in columns]
    return [columns, *[[r[i] for i in idx] for r in data]]


def csv_text(lines: list[list[str]], delimiter: str = ",", eol: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=eol).writerows(lines)
    return out.getvalue()


def csv_bytes(
    lines: list[list[str]], delimiter: str = ",", eol: str = "\n", encoding: str = "utf-8"
) -> bytes:
    return csv_text(lines, delimiter, eol).encode(encoding)


def base_bytes(source: str) -> bytes:
    """The known good export of `source`, byte for byte as the corpus's first load read it."""
    return BASE[source].encode()


def xlsx_bytes(sheets: list[tuple[str, list[list[str]]]]) -> bytes:
    """A workbook with the given sheets (name, rows), every cell a string."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, lines in sheets:
        sheet = book.add_worksheet(name)
        for i, line in enumerate(lines):
            for j, value in enumerate(line):
                if value != "":
                    sheet.write_string(i, j, value)
    book.close()
    return buffer.getvalue()


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def frame(source: str, data: list[list[str]]) -> pl.DataFrame:
    """Rows as a frame of text columns (empty text -> null)."""
    head = header(source)
    return pl.DataFrame(
        {c: [r[i] or None for r in data] for i, c in enumerate(head)}, schema={c: pl.String for c in head}
    )
