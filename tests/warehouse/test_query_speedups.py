"""The query speed-ups (issue 5: integer customer keys and bitmaps, marts stored in day order, the
filter-option and freshness marts, one query for all periods of a scorecard, per-snapshot memos)
change how some answers are computed, never the answers: each faster query is checked here against
the plain query it replaced, on the seeded demo warehouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import duckdb
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


def _one_query_per_period(wh, f: Filters) -> dict[str, tuple]:
    """The plain way: each mart's query for one period on its own (metric_values)."""
    out = {}
    for result in wh.metric_values(f):
        row = result.frame.row(0, named=True)
        for col, value in row.items():
            if col.endswith("__value"):
                key = col.removesuffix("__value")
                out[key] = (value, row[f"{key}__n"], row[f"{key}__margin"])
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return float(a) == pytest.approx(float(b), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(channel=("web",), tier=("gold",)),
        Filters(compare="year"),
        Filters(region=("north",), compare="previous"),
        Filters(channel=("no such channel",)),
    ],
)
def test_issue5_scorecard_of_grouped_periods_equals_one_query_per_period(wh, filters):
    wh.clear_query_cache()
    f = wh.resolve(filters)
    card = {r["metric"]: r for r in wh.metrics(f).frame.to_dicts()}
    current, previous = _one_query_per_period(wh, f), _one_query_per_period(wh, f.comparison())
    for key, (value, n, margin) in current.items():
        row = card[key]
        assert _same(row["value"], value) and _same(row["n"], n) and _same(row["margin"], margin), key
        assert _same(row["previous"], previous[key][0]), key


def test_issue5_monthly_scorecards_share_queries_and_equal_separate_scorecards(wh):
    wh.clear_query_cache()
    month = wh.as_of().replace(day=1)
    periods = {
        "month": Filters(date_from=month, date_to=wh.as_of(), compare="none", tier=("gold",)),
        "previous_month": Filters(
            date_from=(month - timedelta(days=1)).replace(day=1),
            date_to=month - timedelta(days=1),
            compare="none",
            tier=("gold",),
        ),
    }
    together = wh.scorecards(periods)
    for name, f in periods.items():
        wh.clear_query_cache()
        alone = wh.metrics(f).frame
        assert (
            together[name]
            .frame.select("metric", "value", "n", "margin")
            .equals(alone.select("metric", "value", "n", "margin"))
        )


def test_issue5_metric_values_are_cached_per_period_and_cleared_on_demand(wh, monkeypatch):
    wh.clear_query_cache()
    f = wh.resolve(Filters(channel=("web",)))
    wh.metrics(f)
    ran = []
    original = type(wh).run
    monkeypatch.setattr(
        type(wh), "run", lambda self, sql, params=None: ran.append(sql) or original(self, sql, params)
    )
    again = wh.metrics(replace(f, compare="none"), ["aov", "clv"])  # what friction_costs asks
    assert ran == [] and again.sql  # served from the cache, still with the SQL behind it
    wh.clear_query_cache()
    wh.metrics(replace(f, compare="none"), ["aov", "clv"])
    assert len(ran) == 2  # the orders mart and the customer window, once each


# Churn and CLV computed the plain way, customer by customer on the facts (fct_orders and the tier
# spells, no mart, no customer keys, no bitmaps), as issue 14 defines them: the channel, region and
# store filters choose the customers who bought there in the 12 months, the tier and segment filters
# those who hold that tier or segment on the period's last day, and any purchase ends churn.
PLAIN_CUSTOMER_WINDOW = """
with history as (select min(order_date) as first_date from fct_orders where customer_id is not null),
orders as (
    select customer_id, order_date, channel, region, store_id, gross_margin_amount
    from fct_orders cross join history
    where customer_id is not null and order_date > $date_to - 365 and order_date <= $date_to
        and first_date <= $date_to - 364
),
held as (
    select buyers.customer_id, coalesce(s.tier, 'none') as tier, coalesce(s.segment, 'unknown') as segment
    from (select distinct customer_id from orders) as buyers
    left join dim_customer_tier_spells as s
        on s.customer_id = buyers.customer_id and $date_to between s.valid_from_date and s.valid_to_date
),
chosen as (select distinct customer_id{bought} from orders where {purchase}),
per_customer as (
    select customer_id, max(order_date) as last_date, sum(gross_margin_amount) as gross_margin_amount
    from orders group by 1
),
customers as (
    select {groups}per_customer.last_date <= $date_to - 180 as is_churned, per_customer.gross_margin_amount
    from chosen
    join per_customer using (customer_id)
    join held using (customer_id)
    where {held}
)
select {outer}
    100.0 * sum(case when is_churned then 1 else 0 end) / nullif(count(*), 0) as churn_rate,
    count(*) as n,
    (1.0 * sum(gross_margin_amount) / nullif(count(*), 0))
        / nullif(1.0 * sum(case when is_churned then 1 else 0 end) / nullif(count(*), 0), 0) as clv
from customers {group_by}"""


def _plain_customer_metrics(wh, f: Filters, group_by: tuple[str, ...]) -> pl.DataFrame:
    params: dict = {"date_to": f.date_to}
    purchase, held = ["true"], ["true"]
    for dim in ("channel", "region", "store"):
        if getattr(f, dim):
            purchase.append(f"list_contains(${dim}, {DIMENSIONS[dim]})")
            params[dim] = list(getattr(f, dim))
    for dim in ("tier", "segment"):
        if getattr(f, dim):
            held.append(f"list_contains(${dim}, held.{dim})")
            params[dim] = list(getattr(f, dim))
    on_held = ("tier", "segment")
    positions = ", ".join(str(i + 1) for i in range(len(group_by)))
    sql = PLAIN_CUSTOMER_WINDOW.format(
        bought="".join(f", {DIMENSIONS[g]}" for g in group_by if g not in on_held),
        purchase=" and ".join(purchase),
        held=" and ".join(held),
        groups="".join(
            f"{'held.' + g if g in on_held else 'chosen.' + DIMENSIONS[g]} as {g}, " for g in group_by
        ),
        outer="".join(f"{g}, " for g in group_by),
        group_by=f"group by {positions} order by {positions}" if group_by else "",
    )
    return wh.run(sql, params).frame


@pytest.mark.parametrize("group_by", [(), ("tier",), ("channel",), ("region", "channel"), ("segment",)])
@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(channel=("web",), tier=("gold",)),
        Filters(channel=("web",)),  # grouped by tier or segment: the loyalty page's default view
        Filters(channel=("no such channel",)),
        Filters(tier=("none",), segment=("premium", "unknown")),
        Filters(region=("North",), compare="year"),
    ],
)
def test_issue5_churn_and_clv_equal_the_per_customer_computation(wh, filters, group_by):
    assert wh.assumptions().get("churn_window_days", 180) == 180
    f = wh.resolve(filters)
    plain = _plain_customer_metrics(wh, f, group_by)
    if group_by:
        fast = wh.metrics_by(f, group_by[0], ["churn_rate", "clv"]) if len(group_by) == 1 else None
        if fast is None:  # two groups: straight from the metric SQL
            results = wh.metric_values(f, ["churn_rate", "clv"], group_by)
            frame = results[0].frame.rename({"churn_rate__value": "churn_rate", "clv__value": "clv"})
        else:
            frame = fast.frame
        assert frame.height == plain.height
        rows = zip(frame.sort(list(group_by)).to_dicts(), plain.sort(list(group_by)).to_dicts(), strict=True)
        for got, want in rows:
            assert [str(got[g]) for g in group_by] == [str(want[g]) for g in group_by]
            assert _same(got["churn_rate"], want["churn_rate"]) and _same(got["clv"], want["clv"])
            assert _same(got["churn_rate__n"], want["n"])
    else:
        wh.clear_query_cache()
        card = {
            r["metric"]: r
            for r in wh.metrics(replace(f, compare="none"), ["churn_rate", "clv"]).frame.to_dicts()
        }
        want = plain.row(0, named=True)
        assert _same(card["churn_rate"]["value"], want["churn_rate"]) and _same(
            card["clv"]["value"], want["clv"]
        )
        assert _same(card["churn_rate"]["n"], want["n"]) or (want["n"] == 0 and card["churn_rate"]["n"] == 0)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(channel=("web",)), Filters(tier=("no such tier",)), Filters(tier=("gold", "none"))],
)
def test_issue5_tier_customers_equal_count_distinct(wh, filters):
    """Customers per tier (bitmaps, mart_customer_tiers) against count(distinct) on the facts: those
    who bought in the period, each in the tier held on its last day (issue 14.8)."""
    f = wh.resolve(filters)
    params: dict = {"date_from": f.date_from, "date_to": f.date_to}
    where = ["o.order_date between $date_from and $date_to", "o.customer_id is not null"]
    if f.channel:
        where.append("list_contains($channel, o.channel)")
        params["channel"] = list(f.channel)
    held = "true"
    if f.tier:
        held = "list_contains($tier, coalesce(s.tier, 'none'))"
        params["tier"] = list(f.tier)
    plain = wh.run(
        f"""select coalesce(s.tier, 'none') as tier, count(distinct o.customer_id) as n
from fct_orders as o
left join dim_customer_tier_spells as s
    on s.customer_id = o.customer_id and $date_to between s.valid_from_date and s.valid_to_date
where {" and ".join(where)} and {held}
group by 1""",
        params,
    ).frame
    fast = wh.tier_performance(f).frame
    expected = dict(zip(plain["tier"].to_list(), plain["n"].to_list(), strict=True))
    for row in fast.to_dicts():
        assert row["count_customers"] == expected.get(row["tier"], 0), row["tier"]
    assert fast["count_customers"].sum() == sum(expected.values())


# The follow-up list's contacts and CRM ids the plain way: every contact compared with every
# answer (one OR join over the whole table) and the whole CRM grouped by e-mail hash. The list
# reads the contacts once, keeping only those linked to one of its answers, and groups only its
# answers' hashes: the same rows.
PLAIN_FOLLOW_UP = """
with listed as (
    select r.response_id, r.contact_id, r.order_id, r.answered_at,
        coalesce(r.customer_id, o.customer_id) as known_customer_id
    from fct_survey_responses as r
    left join fct_orders as o on o.order_id = r.order_id
    where list_contains($ids, r.response_id)
),
contacts as (
    select
        l.response_id,
        count(c.contact_id) as count_contacts,
        coalesce(bool_or(c.is_repeat or c.is_followed_by_repeat), false) as has_repeat_contact,
        string_agg(distinct c.reason, ', ' order by c.reason) as contact_reasons
    from listed as l
    left join fct_contacts as c
        on c.contact_id = l.contact_id
        or c.order_id = l.order_id
        or (c.customer_id = l.known_customer_id
            and c.opened_at between l.answered_at - interval 30 day and l.answered_at)
    group by 1
),
crm as (
    select email_hash, min(customer_id) as crm_customer_id
    from stg_customers__customer_tiers where email_hash is not null group by 1
)
select contacts.*, coalesce(crm.crm_customer_id, l.known_customer_id) as crm_customer_id
from contacts
join listed as l using (response_id)
left join crm on crm.email_hash = l.known_customer_id
order by response_id"""


@pytest.mark.parametrize(
    "filters",
    [Filters(channel=("web",)), Filters(), Filters(tier=("none",))],
)
def test_follow_up_contacts_and_crm_ids_equal_the_plain_join(wh, filters):
    f = replace(filters, date_from=wh.data_start(), date_to=wh.as_of())  # every answer of the data
    listed = wh.follow_up_answers(f).frame
    assert listed.height > 0
    plain = wh.run(PLAIN_FOLLOW_UP, {"ids": listed["response_id"].to_list()}).frame
    got = listed.select(
        "response_id", "count_contacts", "has_repeat_contact", "contact_reasons", "crm_customer_id"
    ).sort("response_id")
    want = plain.select(got.columns).with_columns(pl.col("count_contacts").cast(got["count_contacts"].dtype))
    assert_frame_equal(got, want)


def test_repeat_customers_of_the_coverage_equal_the_count_of_distinct_days(wh):
    """Customers whose first day is before their last are those seen on two distinct days."""
    plain = wh.scalar(
        "select count(*) from (select customer_id from mart_customer_daily "
        "group by 1 having count(distinct activity_date) > 1)"
    )
    counts = {r["need"]: r["count_rows"] for r in wh.coverage().frame.to_dicts()}
    assert plain > 0 and counts["repeat_customers"] == plain


def test_the_coverage_mart_counts_every_need_the_metrics_name(wh):
    """mart_data_coverage counts at build time what warehouse/queries/coverage.py DATA_NEEDS names:
    the same needs, each counted, in DATA_NEEDS' order."""
    from warehouse.queries.coverage import DATA_NEEDS

    built = wh.run("select need, count_rows from mart_data_coverage").frame
    assert sorted(built["need"].to_list()) == sorted(DATA_NEEDS)
    frame = wh.coverage().frame
    assert frame["need"].to_list() == list(DATA_NEEDS)
    assert frame["count_rows"].null_count() == 0
    assert dict(zip(frame["need"], frame["count_rows"], strict=True))["orders"] == wh.scalar(
        "select count(*) from fct_orders"
    )


def test_run_all_answers_in_the_queries_order_and_raises_their_error(wh):
    queries = [
        (f"select {i} as i, count(*) as n from mart_daily_orders where $x = $x", {"x": i}) for i in range(7)
    ]
    results = wh.run_all(queries)
    assert [r.frame["i"][0] for r in results] == list(range(7))
    assert [r.params for r in results] == [{"x": i} for i in range(7)]
    assert len({r.frame["n"][0] for r in results}) == 1
    with pytest.raises(duckdb.Error):
        wh.run_all([("select 1", {}), ("select * from no_such_table", {})])
