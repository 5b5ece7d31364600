"""Day-first or month-first: decided once per file, never row by row.

`12/1/2010` is 1 December in a US export and 12 January in a UK one. A profile that lists both
orders for a column (`%m/%d/%Y %H:%M` and `%d/%m/%Y %H:%M`) gets, for each file, only the order its
values prove: a first number above 12 proves day-first, a second number above 12 proves month-first.
When no value decides it, the order listed first in the profile is used (and said); when values
prove both, the listed order is kept and the others are quarantined as unparseable (and said).
ISO formats (`%Y` first) are kept whatever the decision.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

_DATE_START = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}"


def order_of(fmt: str) -> str | None:
    """'day' or 'month' for a format whose day/month comes first; None for ISO-like formats."""
    d, m = fmt.find("%d"), fmt.find("%m")
    years = [p for p in (fmt.find("%Y"), fmt.find("%y")) if p >= 0]
    if d < 0 or m < 0 or (years and min(years) < min(d, m)):
        return None
    return "day" if d < m else "month"


def _evidence(stage: Path, column: str) -> tuple[bool, bool, bool]:
    """(any value proves day-first, any proves month-first, any value has a d/m or m/d form)."""
    parts = (
        pl.scan_parquet(stage, glob=False)
        .select(pl.col(column).str.extract_groups(_DATE_START).alias("g"))
        .select(
            pl.col("g").struct.field("1").cast(pl.Int32, strict=False).alias("a"),
            pl.col("g").struct.field("2").cast(pl.Int32, strict=False).alias("b"),
        )
        .select(
            (pl.col("a") > 12).any().alias("day"),
            (pl.col("b") > 12).any().alias("month"),
            pl.col("a").is_not_null().any().alias("slashed"),
        )
        .collect()
    )
    return bool(parts["day"][0]), bool(parts["month"][0]), bool(parts["slashed"][0])


def decide_date_order(profile, stage: Path):
    """The profile with one date order per column for this file, and notes for the file's message."""
    formats = dict(profile.formats)
    notes = []
    for column, fmts in profile.formats.items():
        orders = [order_of(f) for f in fmts]
        listed = [o for o in orders if o]
        if not ("day" in listed and "month" in listed):
            continue
        day, month, slashed = _evidence(stage, column)
        if not slashed:
            continue  # only ISO-like values: nothing to decide
        if day and not month:
            keep, why = "day", "values with a day above 12 first"
        elif month and not day:
            keep, why = "month", "values with a day above 12 second"
        elif not day and not month:
            keep, why = listed[0], "no value decides it; the profile's default"
        else:
            keep, why = listed[0], "values prove both orders; the others are unparseable"
        formats[column] = tuple(f for f, o in zip(fmts, orders, strict=True) if o in (None, keep))
        notes.append(f"{column} read {keep}-first ({why})")
    if not notes:
        return profile, []
    return dataclasses.replace(profile, formats=formats), notes
