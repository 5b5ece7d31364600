"""mart_customer_periods slid from the period ends before equals a full build (warehouse/sliding.py).

The seeded demo exports with their last day, or last 40 days (the period ends move by more than a
month), held back are loaded and built; then the held-back rows, with exports that touch what a
slide must see (an old customer's new tier from the new day, a changed purchase within the 12
months, a customer first seen on an old day), are loaded and built incrementally. A full build of
the same ingest database must equal it in every table.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from demo.generator import write_exports
from demo.next_day import last_day, split_last_days
from ingest.run import ingest_paths
from tests.warehouse.test_incremental import _full_copy, _write, assert_same_tables
from warehouse import sliding
from warehouse.build import build
from warehouse.incremental import SLID, SLID_WITH

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sliding")
    write_exports(folder / "exports", 0.05, 11)
    return folder / "exports"


def _base(exports: Path, tmp_path: Path, days: int) -> tuple[Path, Path]:
    """An ingest database of the exports but their last `days` days, built; and the held-back rows."""
    split_last_days(exports, tmp_path / "base", tmp_path / "next", days=days)
    db = tmp_path / "warehouse.duckdb"
    ingest_paths(sorted((tmp_path / "base").glob("*.csv")), db)
    build(db)
    return db, tmp_path / "next"


def _as_of(snapshot: Path):
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute("select max(date_to) from mart_preset_periods").fetchone()[0]


@pytest.mark.parametrize("days", [1, 40])
def test_the_period_ends_moved_by_a_day_or_a_month_slide_and_equal_a_full_build(exports, tmp_path, days):
    db, held = _base(exports, tmp_path, days)
    before = _as_of(build(db).snapshot)
    ingest_paths(sorted(held.glob("*.csv")), db)
    result = build(db)
    assert result.modes["mart_customer_daily"] == "incremental"
    assert result.modes["mart_customer_periods"] == SLID
    assert result.modes["mart_customer_period_places"] == SLID_WITH.format("mart_customer_periods")
    assert _as_of(result.snapshot) - before == timedelta(days=days)
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_a_new_tier_a_changed_purchase_and_a_new_customer_slide_and_equal_a_full_build(exports, tmp_path):
    db, held = _base(exports, tmp_path, 1)
    new_day = last_day(exports).isoformat()
    with duckdb.connect(str(db), read_only=True) as con:
        # a customer who bought only 100-200 days before the new day (on no day a slide by a day
        # moves), with the tier they hold; and another's purchase 40-80 days before it
        customer, tier = con.execute(
            "select customer_id, arg_max(tier, tier_since) from raw.customers where customer_id in ("
            "select customer_id from raw.orders where customer_id is not null group by 1 "
            "having min(ordered_at::date) > $day::date - interval 200 day "
            "and max(ordered_at::date) < $day::date - interval 100 day) group by 1 order by 1 limit 1",
            {"day": new_day},
        ).fetchone()
        order_id, line_no = con.execute(
            "select order_id, line_no from raw.orders where customer_id is not null and customer_id <> $c "
            "and ordered_at::date between $day::date - interval 80 day and $day::date - interval 40 day "
            "order by order_id, line_no limit 1",
            {"day": new_day, "c": customer},
        ).fetchone()
    orders = list(csv.DictReader((held / "orders.csv").open()))
    base_orders = list(csv.DictReader((held.parent / "base" / "orders.csv").open()))
    changed = next(r for r in base_orders if (r["order_id"], r["line_no"]) == (order_id, str(line_no)))
    changed["quantity"] = str(int(changed["quantity"]) + 2)  # an old line exported again, changed
    # a customer whose first purchase is on the new day: numbered after every other one
    newcomer = {**orders[0], "order_id": "Z-NEW-1", "line_no": "1", "customer_id": "A000001"}
    _write(held / "orders.csv", [*orders, changed, newcomer])
    customers = list(csv.DictReader((held.parent / "base" / "customers.csv").open()))
    old = next(r for r in customers if r["customer_id"] == customer)
    new_tier = "gold" if tier != "gold" else "silver"
    extra = [{**old, "tier": new_tier, "tier_since": new_day}]  # their new tier from the new day
    _write(held / "customers.csv", [*csv.DictReader((held / "customers.csv").open()), *extra])
    ingest_paths(sorted(held.glob("*.csv")), db)
    result = build(db)
    assert result.modes["mart_customer_periods"] == SLID
    assert result.modes["mart_customer_tiers"] == "incremental"
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))
    with duckdb.connect(str(result.snapshot), read_only=True) as con:
        held_tier = con.execute(
            "select distinct periods.tier from mart_customer_periods as periods "
            "inner join (select distinct customer_id, customer_key from mart_customer_daily) as keys "
            "using (customer_key) where keys.customer_id = $c and periods.period_end_date = $day",
            {"c": customer, "day": new_day},
        ).fetchall()
    assert held_tier == [(new_tier,)]


def test_an_end_with_none_before_it_is_computed_whole_and_equals_a_full_build(exports, tmp_path, monkeypatch):
    """A new end before every end held before (the same period a year before, once the history
    covers it) has no rows to move: every customer of its 12 months is computed. Forced here by
    forgetting the earliest end's previous one, in both sliding models."""
    mapped = sliding._map_ends

    def without_previous(con, table, end):
        mapped(con, table, end)
        con.execute(
            "update _slid_ends set previous_end_date = null "
            "where period_end_date = (select min(period_end_date) from _slid_ends)"
        )

    db, held = _base(exports, tmp_path, 1)
    ingest_paths(sorted(held.glob("*.csv")), db)
    monkeypatch.setattr(sliding, "_map_ends", without_previous)
    result = build(db)
    assert result.modes["mart_customer_periods"] == SLID
    assert result.modes["mart_customer_period_places"] == SLID_WITH.format("mart_customer_periods")
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_a_customer_first_seen_on_an_old_day_renumbers_and_rebuilds_the_periods(exports, tmp_path):
    db, held = _base(exports, tmp_path, 1)
    orders = list(csv.DictReader((held.parent / "base" / "orders.csv").open()))
    old_line = next(r for r in orders if r["customer_id"] and r["ordered_at"][:4].isdigit())
    late = tmp_path / "late"
    late.mkdir()
    _write(
        late / "orders.csv", [{**old_line, "order_id": "Z-LATE-1", "line_no": "1", "customer_id": "A000002"}]
    )
    ingest_paths([*sorted(held.glob("*.csv")), late / "orders.csv"], db)
    result = build(db)
    assert result.modes["mart_customer_periods"] == f"full: {sliding.PURCHASES} renumbered its rows"
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


PERIODS_COLUMNS = (
    "period_end_date date, customer_key integer, tier varchar, segment varchar, channel varchar, "
    "region varchar, store_id varchar, count_orders_30_days integer, count_orders_90_days integer, "
    "count_orders_365_days integer, last_purchase_date date, gross_margin_amount decimal(18, 6), "
    "is_customers_first_row boolean, is_customers_first_row_in_channel boolean"
)


def _periods_row(end: str, customer: int, margin, last: str = "2026-09-20", store: str = "S1") -> tuple:
    return (end, customer, "gold", "value", "web", "north", store, 1, 2, 3, last, margin, True, True)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the one customer with a margin leaves the group: its margin is null, not 0
        (
            [_periods_row("2026-10-01", 1, 10), _periods_row("2026-10-01", 2, None)],
            [_periods_row("2026-10-02", 2, None)],
        ),
        # a customer with a margin joins a group of none: its margin
        (
            [_periods_row("2026-10-01", 2, None)],
            [_periods_row("2026-10-02", 2, None), _periods_row("2026-10-02", 3, 7.5)],
        ),
        # the last customer of a store leaves: its rows go; another's last purchase, the same, is no
        # longer in the 30 days before the end (summed as of the end before, taken away)
        (
            [
                _periods_row("2026-10-01", 1, 4, store="S2"),
                _periods_row("2026-10-01", 2, 5, last="2026-09-02"),
            ],
            [_periods_row("2026-10-02", 2, 5, last="2026-09-02")],
        ),
    ],
)
def test_the_sums_slid_equal_the_sums_of_the_new_rows(before, after):
    """mart_customer_period_places slid by sums (the previous rows of the customers computed again
    taken away, their new rows added) equals the model's SQL over the new rows, nulls included."""
    from warehouse.project import load_models

    models = load_models()
    places = models["mart_customer_period_places"]
    con = duckdb.connect()
    con.execute(f"create table mart_customer_periods ({PERIODS_COLUMNS})")
    con.executemany(
        "insert into mart_customer_periods values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", before
    )
    con.execute(f"create table {places.name} as {places.render()}")
    # every customer of the new end is computed again (the test's rows are all theirs)
    con.execute("create table mart_customer_period_ends as select date '2026-10-02' as period_end_date")
    con.execute(
        "create temp table _old as select *, date '2026-10-02' as _slid_to from mart_customer_periods"
    )
    con.execute(f"create temp table _new ({PERIODS_COLUMNS})")
    con.executemany("insert into _new values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", after)
    sliding.slide_sums(con, places, "period_end_date", ("_old", "_new"), "UTC", lambda *a: None)
    con.execute("delete from mart_customer_periods")
    con.execute("insert into mart_customer_periods select * from _new")
    expected = con.execute(f"select * from ({places.render()}) order by all").fetchall()
    assert con.execute(f"select * from {places.name} order by all").fetchall() == expected
    assert expected  # the new end has rows to compare
