"""XLSX workbooks: which sheets hold the export.

A workbook often carries more than the data: a notes or summary sheet before it, a pivot after it;
and some exports are one sheet per period (UCI Online Retail II: a sheet per year). Every sheet,
in workbook order, whose header row a profile accepts is read, each as an export of its own (a
result and a file_loads row per sheet, lineage naming the sheet); `cx ingest --sheet NAME` reads
only that one. The load message names the sheets read and the sheets skipped, and why. When none is accepted,
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


def choose_sheets(
    path: Path, accept: Callable[[list[str]], bool] | None, only: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """(sheets to read, in workbook order; the sheets skipped, each with why; every sheet). Of a workbook with
    one sheet (or no `accept`) its first sheet; with `only`, that sheet (NoMatchingSheet when the
    workbook has none of that name)."""
    reader = fastexcel.read_excel(str(path))
    names = list(reader.sheet_names)
    if only is not None:
        if only not in names:
            raise NoMatchingSheet(f"no sheet {quote(only)} (--sheet); sheets found: {quote_names(names)}")
        return [only], [f"{quote(n)} (not asked for: --sheet)" for n in names if n != only], names
    if len(names) <= 1 or accept is None:
        return names[:1], [], names
    read, skipped, headers = [], [], {}
    for name in names:
        headers[name] = _header(reader, name)
        if headers[name] and accept(headers[name]):
            read.append(name)
        else:
            why = "empty" if not headers[name] else "its header matches no profile"
            skipped.append(f"{quote(name)} ({why})")
    if not read:
        described = "; ".join(f"{quote(name)} ({_describe(header)})" for name, header in headers.items())
        raise NoMatchingSheet(f"no sheet has a header that matches a profile; sheets found: {described}")
    return read, skipped, names


def sheets_note(sheet: str, read: list[str], skipped: list[str], names: list[str]) -> str:
    """The load message's account of a workbook's sheets (`names`, in order), for the sheet `sheet`."""
    text = f"read sheet {quote(sheet)} ({names.index(sheet) + 1} of {len(names)}"
    if len(read) > 1:
        text += f"; sheets read: {quote_names(read)}"
    if skipped:
        text += f"; skipped: {', '.join(skipped[:10])}"
    return text + ")"


def _describe(header: list[str]) -> str:
    if not header:
        return "empty"
    return f"header {quote_names(header, SHOWN_COLUMNS)}"
