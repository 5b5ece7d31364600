"""Seeded bad rows: ~0.7% of the rows of orders, customers, contacts, surveys and sessions get
exactly one defect each, of the kinds the ingest quality checks must catch. The manifest lists
each one (1-based data row number, rule, column), so tests and the demo can check the quarantine.

A bad row replaces a good row in place (so that row is simply not loaded). duplicate_key rows are
exact copies of an earlier good row; the copy (the later occurrence) is the one named bad. Key
columns are never blanked, so a defect never creates a second, accidental duplicate.
"""

from __future__ import annotations

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


def inject(df: pl.DataFrame, source: str, rng: np.random.Generator) -> tuple[pl.DataFrame, list[dict]]:
    """Corrupt ~BAD_SHARE of the rows of `df`; returns the new frame and the manifest entries."""
    cols = {c: df.get_column(c) for c in df.columns}
    entries = inject_columns(cols, source, rng)
    return pl.DataFrame(cols).select(CONTRACTS[source].names), entries


def inject_columns(cols: dict[str, pl.Series], source: str, rng: np.random.Generator) -> list[dict]:
    """inject() on a dict of columns, replaced in place (a caller that holds no other reference to
    the old columns frees each one as soon as its corrupted copy exists)."""
    specs = SPECS.get(source)
    n = len(next(iter(cols.values()))) if cols else 0
    if not specs or n < 2:
        return []
    n_bad = max(1, int(round(BAD_SHARE * n)))
    kinds = np.resize(np.arange(len(specs)), n_bad)  # every spec in turn, so small files get many kinds
    used = np.zeros(n, dtype=bool)
    # New values are collected per column and scattered once per column at the end.
    patches: dict[str, list[tuple[np.ndarray, pl.Series]]] = {c: [] for c in cols}
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
            for name in cols:
                patches[name].append((rows, cols[name].gather(originals)))
        else:
            eligible = ~used & cols[column].is_not_null().to_numpy()
            rows = _pick(rng, eligible, count)
            used[rows] = True
            patches[column].append((rows, _corrupt(rng, cols, column, how, rows)))
        entries += [{"row_number": int(r) + 1, "rule": rule, "column": column} for r in rows]
    for name, parts in patches.items():
        if parts:
            rows = np.concatenate([r for r, _ in parts])
            values = pl.concat([v.cast(pl.Utf8).rename(name) for _, v in parts])
            cols[name] = cols[name].scatter(rows, values)
    entries.sort(key=lambda e: e["row_number"])
    return entries


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


def _corrupt(rng, cols: dict[str, pl.Series], column: str, how, rows: np.ndarray) -> pl.Series:
    old = cols[column].gather(rows)
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
        survey = cols["survey"].gather(rows).to_list()
        return pl.Series([OFF_SCALE[s][int(rng.integers(len(OFF_SCALE[s])))] for s in survey], dtype=pl.Utf8)
    _, values = how
    return pl.Series(values, dtype=pl.Utf8).gather(pl.Series(rng.integers(0, len(values), len(rows))))
