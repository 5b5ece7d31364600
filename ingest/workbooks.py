"""XLSX workbooks: which sheet holds the export.

A workbook often carries more than the data: a notes or summary sheet before it, a pivot after it.
The reader takes the first sheet, in workbook order, whose header row a profile accepts; when the
workbook has several sheets, the file's load message names the one read. When none is accepted,
the file is refused naming every sheet and the start of its header, so the sender can see which
sheet was meant. A workbook with a single sheet is read as before (the profile detection then says
what its header lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fastexcel

from ingest.read_errors import quote, quote_names

SHOWN_COLUMNS = 4


class NoMatchingSheet(ValueError):
    """No sheet of the workbook has a header a profile accepts."""


def _header(reader, name: str) -> list[str]:
    try:
        return [str(c.name) for c in reader.load_sheet(name, n_rows=1, dtypes="string").available_columns()]
    except fastexcel.FastExcelError:  # an empty sheet has no header row to read
        return []


def choose_sheet(path: Path, accept: Callable[[list[str]], bool] | None) -> tuple[str | None, str | None]:
    """(sheet name, note for the load message): the first sheet whose header `accept`s."""
    reader = fastexcel.read_excel(str(path))
    names = list(reader.sheet_names)
    if len(names) <= 1 or accept is None:
        return (names[0] if names else None), None
    headers = {}
    for position, name in enumerate(names, start=1):
        headers[name] = _header(reader, name)
        if headers[name] and accept(headers[name]):
            others = quote_names([n for n in names if n != name])
            return name, f"read sheet {quote(name)} ({position} of {len(names)}; not read: {others})"
    described = "; ".join(f"{quote(name)} ({_describe(header)})" for name, header in headers.items())
    raise NoMatchingSheet(f"no sheet has a header that matches a profile; sheets found: {described}")


def _describe(header: list[str]) -> str:
    if not header:
        return "empty"
    return f"header {quote_names(header, SHOWN_COLUMNS)}"
