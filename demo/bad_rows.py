"""Seeded bad rows: ~0.7% of the rows of orders, customers, contacts, surveys and sessions get
exactly one defect each, of the kinds the ingest quality checks must catch. The manifest lists
each one (1-based data row number, rule, column), so tests and the demo can check the quarantine.

A bad row replaces a good row in place (so that row is simply not loaded). duplicate_key rows are
exact copies of an earlier good row; the copy (the later occurrence) is the one named bad. Key
columns are never blanked, so a defect never creates a second, accidental duplicate.

plan() draws the bad rows from the facts of the full clean columns (row count, non-null cells, the
text of the chosen rows) and Plan.apply() puts them into the whole frame or into one chunk of rows
at a time: the same draws in the same order, so chunked and whole files are the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from ingest.contracts import CONTRACTS

BAD_SHARE = 0.007

# Per source: (rule, column, corruption) specs, used in turn (most telling first). Corruptions:
# "null"; ("values", [...]) replaces the text; "year_future" / "year_1899" rewrite a timestamp's
# date; "negate" prefixes a minus sign; "off_scale" puts a score off its survey's scale; "copy"
# makes the row a copy of an earlier good row.
_TS_BAD = ("values", ["2026-02-30 10:15:00", "2025-13-01 09:00:00", "yesterday", "12/31/2025 10:61"])
_DATE_BAD = ("values", ["2026-02-30", "2025-13-01", "not a date"])
SPECS: dict[str, list[tuple[str, str, object]]] = {
    "orders": [
        ("missing_required", "sku", "null"),
        ("missing_required", "unit_price", "null"),
        ("missing_required", "store_id", "null"),
        ("unparseable_integer", "quantity", ("values", ["two", "1.5", "1 pc"])),
        ("unparseable_number", "unit_price", ("values", ["12.5.0", "abc", "1O.99"])),
        ("unparseable_timestamp", "ordered_at", _TS_BAD),
        ("unknown_value", "channel", ("values", ["fax", "carrier_pigeon"])),
        ("unknown_value", "fulfillment", ("values", ["drone", "teleport"])),
        ("out_of_range", "unit_price", "negate"),
        ("negative_quantity", "quantity", "negate"),
        ("timestamp_in_future", "ordered_at", "year_future"),
        ("timestamp_before_2000", "ordered_at", "year_1899"),
        ("duplicate_key", "order_id,line_no", "copy"),
    ],
    "customers": [
        ("missing_required", "tier", "null"),
        ("unparseable_date", "tier_since", _DATE_BAD),
        ("unknown_value", "tier", ("values", ["diamond", "vip"])),
        ("duplicate_key", "customer_id,tier_since", "copy"),
    ],
    "contacts": [
        ("missing_required", "reason", "null"),
        ("unparseable_number", "handle_seconds", ("values", ["4m30s", "abc"])),
        ("unknown_value", "channel", ("values", ["fax", "carrier_pigeon"])),
        ("out_of_range", "wait_seconds", "negate"),
        ("duplicate_key", "contact_id", "copy"),
        ("unparseable_integer", "transfers", ("values", ["one", "2x"])),
        ("unparseable_timestamp", "opened_at", _TS_BAD),
        ("timestamp_in_future", "opened_at", "year_future"),
        ("timestamp_before_2000", "opened_at", "year_1899"),
        ("missing_required", "opened_at", "null"),
        ("unknown_value", "reason", ("values", ["weather", "complaint_misc"])),
        ("out_of_range", "handle_seconds", "negate"),
    ],
    "surveys": [
        ("score_out_of_scale", "score", "off_scale"),
        ("duplicate_key", "response_id", "copy"),
        ("missing_required", "score", "null"),
        ("unknown_value", "survey", ("values", ["star_rating", "nps_v2"])),
        ("unparseable_integer", "score", ("values", ["ten", "5 stars"])),
        ("unparseable_timestamp", "answered_at", _TS_BAD),
        ("timestamp_in_future", "answered_at", "year_future"),
        ("timestamp_before_2000", "answered_at", "year_1899"),
    ],
    "sessions": [
        ("missing_required", "furthest_step", "null"),
        ("unknown_value", "channel", ("values", ["smart_tv", "kiosk"])),
        ("duplicate_key", "session_id", "copy"),
        ("timestamp_in_future", "started_at", "year_future"),
        ("unparseable_timestamp", "started_at", _TS_BAD),
        ("timestamp_before_2000", "started_at", "year_1899"),
        ("missing_required", "started_at", "null"),
        ("unknown_value", "furthest_step", ("values", ["wishlist"])),
    ],
}
OFF_SCALE = {"nps": ["11", "12", "-1"], "csat": ["0", "6"], "ces": ["0", "8"]}


class Facts(Protocol):
    """What a bad-row plan needs to know of a source's full (clean) columns, so that the plan can be
    made before any chunk is rendered: the row count, which cells are non-null, and the text of a
    few chosen rows (the old values of corrupted rows, the originals of duplicated rows, which may
    lie in an earlier chunk)."""

    n: int

    def not_null(self, column: str) -> np.ndarray: ...

    def rows(self, rows: np.ndarray, columns: list[str] | None = None) -> pl.DataFrame: ...


class Columns:
    """Facts of columns held whole in memory (inject, and tests)."""

    def __init__(self, cols: dict[str, pl.Series]):
        self.cols = cols
        self.n = len(next(iter(cols.values()))) if cols else 0

    def not_null(self, column: str) -> np.ndarray:
        return self.cols[column].is_not_null().to_numpy()

    def rows(self, rows: np.ndarray, columns: list[str] | None = None) -> pl.DataFrame:
        return pl.DataFrame({c: self.cols[c].gather(rows) for c in (columns or list(self.cols))})


@dataclass
class Plan:
    """Seeded bad rows of one source: the manifest entries and, per column, the rows to replace
    (sorted, 0-based) and their new text; applied to the whole frame or chunk by chunk."""

    entries: list[dict]
    patches: dict[str, tuple[np.ndarray, pl.Series]]

    def apply(self, chunk: pl.DataFrame, first_row: int = 0) -> pl.DataFrame:
        """`chunk` (rows first_row .. first_row + height of the clean source) with its bad rows."""
        last = first_row + chunk.height
        cols = {c: chunk.get_column(c) for c in chunk.columns}
        del chunk  # only `cols` holds the columns now, so each corrupted one replaces, not doubles
        for name, (rows, values) in self.patches.items():
            lo, hi = np.searchsorted(rows, [first_row, last])
            if hi > lo:
                cols[name] = cols[name].scatter(rows[lo:hi] - first_row, values.slice(lo, hi - lo))
        return pl.DataFrame(cols)


def inject(df: pl.DataFrame, source: str, rng: np.random.Generator) -> tuple[pl.DataFrame, list[dict]]:
    """Corrupt ~BAD_SHARE of the rows of a whole frame; returns the new frame and the manifest
    entries (the generator plans from a Table and applies chunk by chunk instead)."""
    bad = plan(Columns({c: df.get_column(c) for c in df.columns}), source, rng)
    return bad.apply(df).select(CONTRACTS[source].names), bad.entries


def plan(facts: Facts, source: str, rng: np.random.Generator) -> Plan:
    """The bad rows of a source, drawn from `rng` in a fixed order (the same draws, whole or
    chunked, give the same files)."""
    specs = SPECS.get(source)
    n = facts.n
    if not specs or n < 2:
        return Plan([], {})
    n_bad = max(1, int(round(BAD_SHARE * n)))
    kinds = np.resize(np.arange(len(specs)), n_bad)  # every spec in turn, so small files get many kinds
    used = np.zeros(n, dtype=bool)
    not_null: dict[str, np.ndarray] = {}  # per column, of the clean column (patches come later)
    parts: dict[str, list[tuple[np.ndarray, pl.Series]]] = {}
    entries: list[dict] = []
    # Specs share the bad rows in list order (small files get the first ones); copies are made
    # last, so that their originals are rows no other defect touches.
    for k in sorted(range(len(specs)), key=lambda k: specs[k][2] == "copy"):
        rule, column, how = specs[k]
        count = int((kinds == k).sum())
        if not count:
            continue
        if how == "copy":
            rows = _pick(rng, ~used & (np.arange(n) > 0), count)
            used[rows] = True
            rows, originals = _originals(rng, rows, used)
            for name, values in facts.rows(originals).to_dict().items():
                parts.setdefault(name, []).append((rows, values))
        else:
            if column not in not_null:
                not_null[column] = facts.not_null(column)
            rows = _pick(rng, ~used & not_null[column], count)
            used[rows] = True
            parts.setdefault(column, []).append((rows, _corrupt(rng, facts, column, how, rows)))
        entries += [{"row_number": int(r) + 1, "rule": rule, "column": column} for r in rows]
    patches = {}
    for name, column_parts in parts.items():
        rows = np.concatenate([r for r, _ in column_parts])
        values = pl.concat([v.cast(pl.Utf8).rename(name) for _, v in column_parts])
        order = np.argsort(rows, kind="stable")
        patches[name] = (rows[order], values.gather(order))
    entries.sort(key=lambda e: e["row_number"])
    return Plan(entries, patches)


def _pick(rng: np.random.Generator, eligible: np.ndarray, count: int) -> np.ndarray:
    pool = np.flatnonzero(eligible)
    return np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False)).astype(np.int64)


def _originals(rng: np.random.Generator, rows: np.ndarray, used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each duplicate row, a distinct earlier good row to copy (marked used); rows for which
    none was found after a few tries stay good and are dropped from the list."""
    orig = np.full(len(rows), -1, dtype=np.int64)
    for _ in range(30):
        todo = np.flatnonzero(orig < 0)
        if not len(todo):
            break
        cand = (rng.random(len(todo)) * rows[todo]).astype(np.int64)
        ok = ~used[cand]
        uniq, first = np.unique(cand[ok], return_index=True)
        orig[todo[ok][first]] = uniq
        used[uniq] = True
    found = orig >= 0
    used[rows[~found]] = False
    return rows[found], orig[found]


def _corrupt(rng, facts: Facts, column: str, how, rows: np.ndarray) -> pl.Series:
    old = facts.rows(rows, [column]).get_column(column)
    if how == "null":
        return pl.Series([None] * len(rows), dtype=pl.Utf8)
    if how == "negate":
        # "-0" is not below zero: a zero becomes -1 so every negated value breaks its rule.
        zero = old.str.contains(r"^[0.]+$")
        return pl.select(pl.when(zero).then(pl.lit("-1")).otherwise("-" + old)).to_series().rename(column)
    if how == "year_future":
        return ("2031" + old.str.slice(4)).rename(column)
    if how == "year_1899":
        return pl.Series(["1899-12-31 00:00:00"] * len(rows), dtype=pl.Utf8)
    if how == "off_scale":
        survey = facts.rows(rows, ["survey"]).get_column("survey").to_list()
        return pl.Series([OFF_SCALE[s][int(rng.integers(len(OFF_SCALE[s])))] for s in survey], dtype=pl.Utf8)
    _, values = how
    return pl.Series(values, dtype=pl.Utf8).gather(pl.Series(rng.integers(0, len(values), len(rows))))
