"""The speed-ups of issue 5 change how some answers are computed, never the answers: each faster
query is checked here against the plain query it replaced, on the seeded demo warehouse."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from warehouse.api import Warehouse
from warehouse.filters import DIMENSIONS, Filters
from warehouse.project import load_models


@pytest.fixture(scope="module")
def wh(seeded_db):  # noqa: F811
    return Warehouse.open(seeded_db)


PLAIN_MIGRATION = """
select a.tier as tier_from, b.tier as tier_to, count(*) as count_customers
from dim_customer_tier_spells as a
inner join dim_customer_tier_spells as b
    on b.customer_id = a.customer_id and $date_b between b.valid_from_date and b.valid_to_date
where $date_a between a.valid_from_date and a.valid_to_date {region}
group by 1, 2 order by 1, 2"""


def test_issue5_tier_migration_equals_the_plain_self_join(wh):
    as_of = wh.as_of()
    start = wh.scalar("select min(valid_from_date) from dim_customer_tier_spells")
    region = wh.filter_options()["region"][0]
    cases = [
        (as_of - timedelta(days=89), as_of, None),
        (as_of - timedelta(days=365), as_of, None),
        (start, as_of, None),
        (as_of - timedelta(days=200), as_of - timedelta(days=20), region),
        (as_of, as_of - timedelta(days=300), None),  # dates the wrong way round
        (as_of, as_of, None),
    ]
    checked_moves = 0
    for date_a, date_b, reg in cases:
        f = Filters(region=(reg,) if reg else ())
        fast = wh.tier_migration(date_a, date_b, f).frame
        params = {"date_a": date_a, "date_b": date_b}
        if reg:
            params["region"] = [reg]
        plain = wh.run(
            PLAIN_MIGRATION.format(region="and list_contains($region, a.region)" if reg else ""), params
        ).frame
        assert_frame_equal(fast, plain)
        checked_moves += fast.filter(pl.col("tier_from") != pl.col("tier_to")).height
    assert checked_moves > 0  # the cases include customers who changed tier


@pytest.mark.parametrize("table", ["mart_customer_daily", "dim_customer_tier_spells"])
def test_issue5_customer_key_is_one_integer_per_customer_id(wh, table):
    row = wh.run(
        f"select count(distinct customer_id), count(distinct customer_key), "
        f"count(distinct (customer_id, customer_key)), min(customer_key), max(customer_key) from {table}"
    ).frame.row(0)
    ids, keys, pairs, lowest, highest = row
    assert ids == keys == pairs > 100
    assert (lowest, highest) == (1, ids)


def test_issue5_clustered_models_are_stored_in_their_order(wh):
    clustered = {m.name: m.cluster_by for m in load_models().values() if m.cluster_by}
    assert {"mart_daily_orders", "mart_customer_daily", "dim_customer_tier_spells"} <= set(clustered)
    for table, columns in clustered.items():
        cols = ", ".join(columns)
        out_of_order = wh.scalar(
            f"select count(*) from (select ({cols}) as k, lag(({cols})) over (order by rowid) as prev "
            f"from {table}) where k < prev"
        )
        assert out_of_order == 0, table


def test_issue5_filter_options_mart_equals_the_distinct_values_of_the_daily_marts(wh):
    marts = ("mart_daily_orders", "mart_daily_contacts", "mart_daily_surveys", "mart_daily_sessions")
    options = wh.filter_options()
    for dim, col in DIMENSIONS.items():
        union = " union ".join(f"select distinct {col} as v from {m}" for m in marts)
        plain = wh.run(f"select v from ({union}) where v is not null order by v").frame["v"].to_list()
        assert options[dim] == plain and plain, dim


PLAIN_FRESHNESS = """
with latest as (
    select 'orders' as source_name, max(order_date) as latest_date, count(*) as count_rows from fct_orders
    union all select 'contacts', max(opened_date), count(*) from fct_contacts
    union all select 'surveys', max(answered_date), count(*) from fct_survey_responses
    union all select 'sessions', max(session_date), count(*) from fct_sessions
),
runs as (select max(finished_at) as last_ingest_at from stg_meta__ingest_runs),
quarantined as (
    select count(distinct file_id || ':' || cast(file_row_number as varchar)) as count_quarantined_rows
    from stg_meta__quarantine
)
select latest.*, runs.last_ingest_at, quarantined.count_quarantined_rows
from latest cross join runs cross join quarantined"""


def test_issue5_freshness_mart_equals_the_scan_of_the_facts(wh):
    assert_frame_equal(wh.freshness().frame, wh.run(PLAIN_FRESHNESS).frame)


def test_issue5_snapshot_constants_are_memoised_and_handed_out_as_copies(wh):
    options = wh.filter_options()
    options["channel"].append("not a channel")
    options["extra"] = []
    again = wh.filter_options()
    assert "not a channel" not in again["channel"] and "extra" not in again
    first, second = wh.freshness(), wh.freshness()
    assert first is not second and first.frame.equals(second.frame)
    assert "freshness" in wh._constants and "as_of" in wh._constants


def test_issue5_a_new_warehouse_object_starts_without_memo(seeded_db):  # noqa: F811
    fresh = Warehouse.open(seeded_db)
    assert fresh._constants == {}
    assert fresh.as_of() == date.fromisoformat(str(fresh.as_of()))
