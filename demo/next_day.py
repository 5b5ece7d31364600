"""Hold the last days of demo exports back, as the exports a retailer loads the next day.

`split_last_days(exports, base, next_day)` writes every export twice: the rows dated before the
last `days` days of the orders into `base/`, the rest into `next_day/` (same file names; a file
without dates, such as stores.csv, goes whole into `base/`). Loading `base/`, building, then
loading `next_day/` is the daily load an incremental build is made for (tests/warehouse/
test_incremental.py, `make bench`). Rows are streamed (Polars' lazy CSV reader and writer), all
columns as text, so the values are the generator's own and memory does not grow with the files.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl

# the column that dates each row of a demo export (customers: the day a tier spell began)
DATE_COLUMNS = {
    "orders.csv": "ordered_at",
    "contacts.csv": "opened_at",
    "surveys.csv": "answered_at",
    "sessions.csv": "started_at",
    "customers.csv": "tier_since",
}


def last_day(exports: Path) -> date:
    """The last day of the exports (the generator's manifest says it: the rows dated later are its
    planted bad rows, timestamps in the future)."""
    return date.fromisoformat(json.loads((exports / "manifest.json").read_text())["end"])


def _day(column: str) -> pl.Expr:
    """The row's day as text (YYYY-MM-DD), null for a value that is no date (the demo's bad rows,
    which stay with the history)."""
    day = pl.col(column).str.slice(0, 10)
    return pl.when(day.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(day)


def split_last_days(exports: Path, base: Path, next_day: Path, days: int = 1) -> dict[str, int]:
    """Split every export of `exports` at the first of its last `days` days; returns the rows held
    back per file."""
    last = last_day(exports).isoformat()
    first_held = (last_day(exports) - timedelta(days=days - 1)).isoformat()
    base.mkdir(parents=True, exist_ok=True)
    next_day.mkdir(parents=True, exist_ok=True)
    held: dict[str, int] = {}
    for path in sorted(exports.glob("*.csv")):
        column = DATE_COLUMNS.get(path.name)
        if column is None:
            shutil.copyfile(path, base / path.name)
            continue
        rows = pl.scan_csv(path, infer_schema=False)
        day = _day(column)
        is_held = ((day >= first_held) & (day <= last)).fill_null(False)
        rows.filter(is_held.not_()).sink_csv(base / path.name)
        rows.filter(is_held).sink_csv(next_day / path.name)
        held[path.name] = (
            pl.scan_csv(next_day / path.name, infer_schema=False).select(pl.len()).collect().item()
        )
    return held
