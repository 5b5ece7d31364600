"""mart_customer_periods (issue 20, item 3): churn and CLV at the period ends the dashboard asks
most are read from customers' rows computed at build time instead of a year of purchases. The
answers must not change: every figure read there is checked against the same figure computed from
mart_customer_daily (the path every other period end takes), on the seeded demo warehouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.state import LAST_DAYS, period_dates
from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from warehouse.api import Warehouse
from warehouse.filters import Filters, minus_year, month_end
from warehouse.metrics import METRICS, customer_window_sql, one_place
from warehouse.scope import Scope

CUSTOMER_METRICS = [m for m in METRICS.values() if m.kind == "customer_window"]


@pytest.fixture(scope="module")
def wh(seeded_db):  # noqa: F811
    return Warehouse.open(seeded_db)


def _built(sql: str) -> bool:
    """Whether a churn or CLV query reads the figures built for its period end."""
    return "mart_customer_periods" in sql or "mart_customer_period_places" in sql


def _both(wh, f: Filters, group_by: tuple[str, ...] = ()):
    """(read from mart_customer_periods, computed from mart_customer_daily), and the first's SQL."""
    window = int(wh.assumptions().get("churn_window_days", 180))
    ends = wh.customer_period_ends()
    read_sql, params = customer_window_sql(CUSTOMER_METRICS, f, window, group_by, wh.max_customer_key(), ends)
    live_sql, live_params = customer_window_sql(CUSTOMER_METRICS, f, window, group_by, wh.max_customer_key())
    return wh.run(read_sql, params).frame, wh.run(live_sql, live_params).frame, read_sql


def _preset_and_comparison_periods(as_of) -> set[tuple]:
    """(first day, last day) of every "last N days" period and of its comparison periods (the
    previous period, the same period a year before)."""
    periods = set()
    for period in LAST_DAYS:
        start, end = period_dates(period, as_of)
        for compare in ("previous", "year"):
            f = Filters(date_from=start, date_to=end, compare=compare)
            periods |= {(f.date_from, f.date_to), (f.comparison().date_from, f.comparison().date_to)}
    return periods


def test_the_period_ends_are_the_presets_and_the_latest_monthly_reviews(wh):
    as_of = wh.as_of()
    ends = wh.customer_period_ends()
    wanted = {end for _, end in _preset_and_comparison_periods(as_of)}
    # the latest month's monthly review: the month, the month before, the same month a year before
    latest = as_of.replace(day=1)
    wanted |= {month_end(latest), latest - timedelta(days=1), month_end(minus_year(latest))}
    # a period end is held when the data covers the 12 months before it (else nobody is counted)
    start = wh.scalar("select min(activity_date) from mart_customer_daily")
    covered = {d for d in wanted if start <= d - timedelta(days=364)}
    assert covered and as_of in covered
    assert ends == covered
    assert minus_year(as_of) in ends or minus_year(as_of) not in covered


FILTERS = [
    Filters(),
    Filters(channel=("web",), tier=("gold",)),  # the typical view
    Filters(channel=("web", "store")),
    Filters(tier=("none",), segment=("premium", "unknown")),
    Filters(tier=("no such tier",)),
    Filters(region=("North",), store=("ST001", "ST007")),
    Filters(channel=("no such channel",)),
    Filters(channel=("store",)),  # customers buy in several stores: one flagged row each
    Filters(channel=("store",), segment=("premium",)),
]


@pytest.mark.parametrize("group_by", [(), ("tier",), ("segment",), ("tier", "segment")])
@pytest.mark.parametrize("filters", FILTERS)
def test_read_figures_equal_the_computed_ones_at_every_period_end(wh, filters, group_by):
    ends = sorted(wh.customer_period_ends())
    assert len(ends) >= 2
    for end in ends:
        f = replace(filters, date_from=end - timedelta(days=89), date_to=end)
        read, live, sql = _both(wh, f, group_by)
        assert _built(sql)
        assert read.columns == live.columns
        assert read.rows() == live.rows(), (end, filters, group_by)


@pytest.mark.parametrize(
    "scope",
    [
        Scope.of(regions=("North",)),
        Scope.of(stores=("ST003",)),
        Scope.of(regions=("South",), stores=("ST001",)),
    ],
)
def test_a_scoped_viewer_reads_the_same_figures_as_computed_and_no_more(wh, scope):
    end = wh.as_of()
    counted = 0
    for filters in (Filters(), Filters(tier=("gold",)), Filters(region=("South",))):
        f = replace(filters, date_from=end - timedelta(days=89), date_to=end, scope=scope)
        read, live, sql = _both(wh, f)
        assert _built(sql) and ("$scope_regions" in sql or "$place" in sql)  # bound, not pasted
        assert read.rows() == live.rows()
        whole, _, _ = _both(wh, replace(f, scope=Scope()))
        assert read["churn_rate__n"][0] <= whole["churn_rate__n"][0]
        counted += read["churn_rate__n"][0]
    assert counted > 0  # the scope's customers are counted, not an empty answer


@pytest.mark.parametrize("group_by", [(), ("tier",), ("tier", "segment")])
@pytest.mark.parametrize("filters", FILTERS[:4])
def test_a_period_end_without_12_months_of_data_reads_its_no_rows(wh, filters, group_by):
    """Such an end (the monthly review's year before, early in the data) has no customer to count:
    the period rows say so at once, with the figures computing it from the purchases gives."""
    end = wh.first_purchase_date() + timedelta(days=300)
    f = replace(filters, date_from=end - timedelta(days=29), date_to=end)
    window = int(wh.assumptions().get("churn_window_days", 180))
    read_sql, params = wh.customer_window_sql(CUSTOMER_METRICS, f, group_by)
    live_sql, live_params = customer_window_sql(CUSTOMER_METRICS, f, window, group_by, wh.max_customer_key())
    assert _built(read_sql) and not _built(live_sql)
    read, live = wh.run(read_sql, params).frame, wh.run(live_sql, live_params).frame
    assert read.columns == live.columns
    assert read.rows() == live.rows()
    assert all(v is None for v in read.select("^.*__value$").rows()[0]) if not group_by else read.height == 0


def test_other_period_ends_and_groupings_are_computed_from_the_purchases(wh):
    end = wh.as_of() - timedelta(days=1)
    assert end not in wh.customer_period_ends()
    f = Filters(date_from=end - timedelta(days=29), date_to=end)
    assert "mart_customer_periods" not in _both(wh, f)[2]
    g = Filters(date_from=wh.as_of() - timedelta(days=29), date_to=wh.as_of())
    read, live, sql = _both(wh, g, ("channel",))
    assert not _built(sql)


def test_the_scorecard_at_the_as_of_date_reads_the_period_rows(wh):
    wh.clear_query_cache()
    card = wh.metrics(Filters(channel=("web",), tier=("gold",)), ["churn_rate", "clv"])
    assert _built(card.sql)
    values = {r["metric"]: r for r in card.frame.to_dicts()}
    assert values["churn_rate"]["value"] is not None and values["churn_rate"]["n"] > 0


def test_the_preset_periods_are_the_dashboards_last_n_days(wh):
    as_of = wh.as_of()
    assert wh.preset_periods() == {period_dates(p, as_of) for p in LAST_DAYS}


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(region=("North",)),
        Filters(segment=("premium",)),
        Filters(scope=Scope.of(regions=("South",))),
        Filters(scope=Scope.of(stores=("ST003",))),  # spells have no store: nobody
        Filters(
            region=("North", "London"), segment=("premium", "unknown"), scope=Scope.of(regions=("North",))
        ),
    ],
)
def test_tier_migration_of_a_preset_period_equals_the_join_of_the_spells(wh, filters, monkeypatch):
    pairs = sorted(wh.preset_periods())
    assert len(pairs) == len(LAST_DAYS)
    read = {pair: wh.tier_migration(*pair, filters) for pair in pairs}
    monkeypatch.setattr(Warehouse, "preset_periods", lambda self: frozenset())
    moved = 0
    for pair in pairs:
        live = wh.tier_migration(*pair, filters)
        assert "mart_tier_migrations" in read[pair].sql and "mart_tier_migrations" not in live.sql
        assert read[pair].frame.rows() == live.frame.rows(), (pair, filters)
        moved += sum(r[2] for r in live.frame.rows() if r[0] != r[1])
    if not filters.scope.stores:
        assert moved > 0  # the cases include customers who changed tier


def test_one_row_per_customer_is_flagged_for_no_purchase_filter_and_for_each_channel(wh):
    """The flags the no-filter and one-channel figures count instead of grouping by customer."""
    per_end = wh.run(
        """select period_end_date, count(distinct customer_key) as customers,
               count(*) filter (where is_customers_first_row) as flagged
           from mart_customer_periods group by 1"""
    ).frame
    assert per_end.height >= 2 and per_end["customers"].to_list() == per_end["flagged"].to_list()
    per_channel = wh.run(
        """select period_end_date, channel, count(distinct customer_key) as customers,
               count(*) filter (where is_customers_first_row_in_channel) as flagged,
               count(*) as rows_
           from mart_customer_periods group by 1, 2"""
    ).frame
    assert per_channel["customers"].to_list() == per_channel["flagged"].to_list()
    assert (per_channel["rows_"] > per_channel["customers"]).any()  # the flag picks, not all rows


@pytest.mark.parametrize(
    ("filters", "counted_per_place"),
    [
        (Filters(), True),
        (Filters(tier=("gold",), segment=("premium",)), True),
        (Filters(channel=("web",), tier=("gold",)), True),  # the typical view
        (Filters(region=("North",)), True),
        (Filters(scope=Scope.of(regions=("North",))), True),  # a region manager's default view
        (Filters(scope=Scope.of(stores=("ST003",))), True),
        (Filters(region=("North",), scope=Scope.of(regions=("North", "South"))), True),
        (Filters(channel=("web",), scope=Scope.of(regions=("North",))), True),  # ... with one channel
        (Filters(channel=("web",), region=("South",)), True),
        (Filters(channel=("store",), tier=("gold",), scope=Scope.of(stores=("ST003",))), False),
        (Filters(channel=("web",), scope=Scope.of(stores=("ST003",))), False),  # a channel it lacks
        (Filters(channel=("web", "store")), False),
        (Filters(channel=("web", "store"), scope=Scope.of(regions=("North",))), False),
        (Filters(region=("North",), store=("ST001",)), False),
        (Filters(scope=Scope.of(regions=("South",), stores=("ST001",))), False),
        (Filters(region=("South",), scope=Scope.of(regions=("North",))), False),  # nothing in scope
    ],
)
def test_a_view_of_one_place_reads_the_customers_counted_per_place(wh, filters, counted_per_place):
    end = wh.as_of()
    read, live, sql = _both(wh, replace(filters, date_from=end - timedelta(days=89), date_to=end))
    assert ("mart_customer_period_places" in sql) == counted_per_place
    assert read.rows() == live.rows()


def test_the_places_count_each_customer_once_per_place_and_channel(wh):
    """The per-place counts add up to the customers of mart_customer_periods who bought there (in
    any channel, or in each one)."""
    counted = wh.run(
        "select period_end_date, place_kind, place, channel_kind, channel, sum(count_customers) as n "
        "from mart_customer_period_places group by all order by all"
    ).frame
    places = {"all": "'all'", "region": "region", "store": "store_id"}
    channels = {"all": "'all'", "channel": "channel"}
    kinds = [(kind, channel_kind) for kind in places for channel_kind in channels]
    kinds.remove(("store", "channel"))  # a store's customers are not counted per channel
    direct = wh.run(
        "\nunion all\n".join(
            f"select period_end_date, '{kind}' as place_kind, {place} as place, "
            f"'{channel_kind}' as channel_kind, {channel} as channel, count(distinct customer_key) as n "
            "from mart_customer_periods group by all"
            for kind, place in places.items()
            for channel_kind, channel in channels.items()
            if (kind, channel_kind) in kinds
        )
        + "\norder by all"
    ).frame
    assert counted.height > 10 and counted.rows() == direct.rows()
    assert counted.filter(pl.col("channel_kind") == "channel")["place_kind"].unique().sort().to_list() == [
        "all",
        "region",
    ]
    # the whole business's orders of each "last N days" period, summed per bucket
    days = sorted(LAST_DAYS.values())
    sums = ", ".join(f"sum(count_orders_{d}_days)" for d in days)
    per_end = "select period_end_date, {sums} from {table} {where} group by 1 order by 1"
    built = wh.run(
        per_end.format(
            sums=sums,
            table="mart_customer_period_places",
            where="where place_kind = 'all' and channel_kind = 'all'",
        )
    ).frame
    assert (
        built.rows()
        == wh.run(per_end.format(sums=sums, table="mart_customer_periods", where="")).frame.rows()
    )
    assert built.height >= 2 and all(v > 0 for row in built.rows() for v in row[1:])
    # and each region's (of any channel): its customers who bought there in each period, and their
    # orders there; the whole business's buyers of each period; no other place's
    counts = ", ".join(f"sum(count_customers_{d}_days), sum(count_orders_{d}_days)" for d in days)
    by_region = wh.run(
        f"select period_end_date, place_kind, place, {counts} from mart_customer_period_places "
        "where place_kind in ('all', 'region') and channel_kind = 'all' group by all order by all"
    ).frame
    direct_counts = ", ".join(
        f"count(*) filter (where n_{d} > 0), sum(n_{d}) filter (where n_{d} > 0)" for d in days
    )
    per_customer = ", ".join(f"sum(count_orders_{d}_days) as n_{d}" for d in days)
    direct = wh.run(
        f"select period_end_date, place_kind, place, {direct_counts} from ("
        f"select period_end_date, 'all' as place_kind, 'all' as place, customer_key, {per_customer} "
        "from mart_customer_periods group by all union all "
        f"select period_end_date, 'region', region, customer_key, {per_customer} "
        "from mart_customer_periods group by all) group by all order by all"
    ).frame
    assert by_region.height > 4 and by_region.rows() == direct.rows()
    others = wh.run(
        "select count(*) from mart_customer_period_places "
        "where not (place_kind in ('all', 'region') and channel_kind = 'all') "
        "and (count_customers_90_days is not null or count_orders_90_days is not null)"
    ).frame.item()
    assert others == 0


def test_every_last_n_days_length_has_its_orders_per_place(wh):
    """The loyalty page reads customers and orders per tier of a "last N days" period (and of its
    comparison periods, as long) from mart_customer_periods: a column for each N."""
    assert wh.period_order_days() == set(LAST_DAYS.values())


TIER_FILTERS = [
    Filters(),
    Filters(channel=("web",), tier=("gold",)),  # the typical view
    Filters(channel=("web", "store"), segment=("premium", "unknown")),
    Filters(tier=("none", "platinum")),
    Filters(region=("North",), store=("ST001", "ST007")),
    Filters(scope=Scope.of(regions=("South",))),
    Filters(channel=("store",), scope=Scope.of(stores=("ST003",))),
    Filters(tier=("no such tier",)),
    Filters(tier=("gold", "silver"), segment=("premium",)),
    Filters(region=("North",), tier=("gold", "none")),  # one region, by a filter
    Filters(scope=Scope.of(regions=("North",)), segment=("premium",)),
]


@pytest.mark.parametrize("filters", TIER_FILTERS)
def test_tier_performance_of_a_preset_period_equals_the_join_of_its_purchases(wh, filters, monkeypatch):
    """Each preset period and its comparison periods: customers, their orders and everything
    derived from them per tier read from the period rows equal the join of the period's purchases
    with the tiers held on its last day (the path of every other period)."""
    periods = {p for p in _preset_and_comparison_periods(wh.as_of()) if p[1] in wh.customer_period_ends()}
    assert len(periods) >= len(LAST_DAYS)
    read = {p: wh.tier_performance(replace(filters, date_from=p[0], date_to=p[1])) for p in periods}
    monkeypatch.setattr(Warehouse, "period_order_days", lambda self: frozenset())
    counted = 0
    for (start, end), result in read.items():
        live = wh.tier_performance(replace(filters, date_from=start, date_to=end))
        # the whole business or one region, of any channel: the buyers counted per tier at build time
        paths = ("sum(count_customers_", "from mart_customer_periods as bought")
        place = one_place(filters)
        counted_at_build = place is not None and place[0] in ("all", "region") and place[2] == "all"
        assert paths[0 if counted_at_build else 1] in result.sql
        assert not any(path in live.sql for path in paths)
        # exact but for the last bits of sums of doubles (revenue shares add in any order)
        assert_frame_equal(result.frame, live.frame, check_exact=False, rel_tol=1e-12)
        counted += int(live.frame["count_customers"].sum())
    if filters.tier != ("no such tier",) and not filters.scope.stores:
        assert counted > 0
