"""The roll-ups of the daily marts (warehouse/rollups.py: mart_monthly_*.sql, mart_preset_*.sql)
change where an additive metric's rows are read from, never its answer: a preset period comes from
its preset roll-up, a period's whole months from the monthly roll-up and its other days from the
daily mart, each day exactly once."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import warehouse.metrics
import warehouse.periods
import warehouse.queries.loyalty_tiers
import warehouse.queries.voice
from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from warehouse.api import Warehouse
from warehouse.filters import Filters, month_end, where_clause
from warehouse.metrics import METRICS
from warehouse.queries.voice import _drivers
from warehouse.rollups import PRESET_ROLLUPS, ROLLUPS, split, whole_months
from warehouse.scope import Scope


@pytest.fixture(scope="module")
def wh(seeded_db):  # noqa: F811
    return Warehouse.open(seeded_db)


def _dimensions(wh, daily: str, columns: list[str]) -> list[str]:
    """The grain's columns of a daily mart besides its day: text (channel, store ...) and flags
    (mart_daily_comments' outcomes); the rest are counts and sums."""
    types = wh.run(f"select {', '.join(f'typeof({c}) as {c}' for c in columns)} from {daily} limit 1").frame
    return [c for c in columns if c != "activity_date" and types[c][0] in ("VARCHAR", "BOOLEAN")]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_whole_months_of_a_period():
    assert whole_months(date(2026, 8, 3), date(2026, 10, 31)) == (date(2026, 9, 1), date(2026, 10, 1))
    assert whole_months(date(2026, 8, 1), date(2026, 8, 31)) == (date(2026, 8, 1), date(2026, 8, 1))
    assert whole_months(date(2026, 8, 2), date(2026, 9, 30)) == (date(2026, 9, 1), date(2026, 9, 1))
    assert whole_months(date(2026, 8, 1), date(2026, 8, 30)) is None  # a month but its last day
    assert whole_months(date(2026, 8, 31), date(2026, 9, 29)) is None  # across two months, neither whole
    assert whole_months(date(2024, 2, 1), date(2024, 2, 29)) == (date(2024, 2, 1), date(2024, 2, 1))


def test_split_reads_every_day_of_the_periods_once():
    rng = random.Random(7)
    base = date(2024, 1, 1)
    cases = [[(date(2026, 8, 3), date(2026, 10, 31)), (date(2026, 5, 5), date(2026, 8, 2))]]
    for _ in range(300):
        spans, start = [], base + timedelta(days=rng.randrange(60))
        for _ in range(rng.randrange(1, 4)):  # non-overlapping periods, as the scorecards combine them
            end = start + timedelta(days=rng.choice([0, 1, 27, 29, 30, 58, 89, 364, rng.randrange(500)]))
            spans.append((start, end))
            start = end + timedelta(days=rng.randrange(1, 40))
        cases.append(spans)
    for spans in cases:
        months, days = split(spans)
        read = [
            d
            for first, last in months
            for m in _days(first, last)
            if m.day == 1
            for d in _days(m, month_end(m))
        ]
        read += [d for start, end in days for d in _days(start, end)]
        wanted = [d for start, end in spans for d in _days(start, end)]
        assert sorted(read) == sorted(wanted), spans  # each day once, none outside the periods
        assert all(first.day == 1 and last.day == 1 for first, last in months)


@pytest.mark.parametrize("daily", sorted(ROLLUPS))
def test_a_rollup_has_its_daily_marts_columns_and_sums(wh, daily):
    monthly = ROLLUPS[daily]
    columns = wh.run(f"select * from {daily} limit 0").frame.columns
    assert wh.run(f"select * from {monthly} limit 0").frame.columns == columns
    dims = _dimensions(wh, daily, columns)
    measures = [c for c in columns if c != "activity_date" and c not in dims]
    keys = ["month", *dims]
    sums = ", ".join(f"sum({c}) as {c}" for c in measures)
    by_day = wh.run(
        f"select cast(date_trunc('month', activity_date) as date) as month, {', '.join(dims)}, {sums} "
        f"from {daily} group by all order by all"
    ).frame
    by_month = wh.run(
        f"select activity_date as month, {', '.join(dims)}, {sums} from {monthly} group by all order by all"
    ).frame
    assert by_day.height == by_month.height > 0
    assert by_day.select(keys).equals(by_month.select(keys))
    for c in measures:
        assert by_day[c].cast(pl.Float64).to_list() == pytest.approx(
            by_month[c].cast(pl.Float64).to_list(), rel=1e-9
        )


def _daily_only(monkeypatch):
    plain = lambda mart, spans, group_by=(), presets=frozenset(): (mart, {})  # noqa: E731
    monkeypatch.setattr(warehouse.metrics, "mart_source", plain)
    monkeypatch.setattr(warehouse.periods, "mart_source", plain)
    monkeypatch.setattr(warehouse.queries.loyalty_tiers, "mart_source", plain)
    monkeypatch.setattr(warehouse.queries.voice, "mart_source", plain)


def _close(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.columns == b.columns and a.height == b.height
    for c in a.columns:
        if a[c].dtype.is_numeric() or b[c].dtype.is_numeric():
            x, y = a[c].cast(pl.Float64).to_list(), b[c].cast(pl.Float64).to_list()
            assert [v is None for v in x] == [v is None for v in y], c
            assert [v for v in x if v is not None] == pytest.approx(
                [v for v in y if v is not None], rel=1e-9
            ), c
        else:
            assert a[c].to_list() == b[c].to_list(), c


def test_metrics_read_through_the_rollups_equal_the_daily_marts(wh, monkeypatch):
    as_of = wh.as_of()
    month = as_of.replace(day=1)
    cases = [
        Filters(date_from=as_of - timedelta(days=89), date_to=as_of, channel=("web",), tier=("gold",)),
        Filters(date_from=as_of - timedelta(days=364), date_to=as_of, compare="year"),
        Filters(date_from=(month - timedelta(days=1)).replace(day=1), date_to=month - timedelta(days=1)),
        Filters(date_from=month - timedelta(days=200), date_to=month - timedelta(days=1), region=("north",)),
        Filters(date_from=as_of - timedelta(days=10), date_to=as_of, segment=("new",)),
    ]
    contacts = [k for k, m in METRICS.items() if m.mart == "mart_daily_contacts"]
    groupings = [
        (None, ()),
        (None, ("month",)),
        (None, ("channel",)),
        (None, ("month", "tier")),
        (contacts, ("reason",)),
        (None, ("day",)),
    ]

    def answers():
        wh.clear_query_cache()
        out = []
        for f in cases:
            out.append(wh.metrics(f).frame.drop("definition"))
            out.append(wh.tier_performance(f).frame)
            for keys, group_by in groupings:
                for result in wh.metric_values(f, keys, group_by):
                    out.append(result.frame)
        return out

    fast = answers()
    assert "mart_monthly_" in wh.metric_series(cases[1], ["nps"], "month").sql
    for f in cases[:2]:  # the last 90 days and the previous 90; the last 365 and the year before
        assert "mart_preset_" in wh.metrics(f).sql
        assert "mart_preset_" in wh.tier_performance(f).sql
    with monkeypatch.context() as m:
        _daily_only(m)
        plain = answers()
    assert len(fast) == len(plain)
    for a, b in zip(fast, plain, strict=True):
        _close(a, b)


def test_a_grain_finer_than_a_month_reads_the_daily_mart(wh):
    f = wh.resolve(Filters(date_from=wh.as_of() - timedelta(days=364), date_to=wh.as_of()))
    assert "mart_monthly_orders" in wh.metric_series(f, ["aov"], "month").sql
    for grain in ("day", "week"):
        assert "mart_monthly_" not in wh.metric_series(f, ["aov"], grain).sql
    inside = replace(f, date_from=wh.as_of() - timedelta(days=3))  # no whole month
    assert "mart_monthly_" not in wh.metric_series(inside, ["aov"], "month").sql


@pytest.mark.parametrize("daily", sorted(PRESET_ROLLUPS))
def test_a_preset_rollup_sums_its_daily_mart_over_each_period(wh, daily):
    preset = PRESET_ROLLUPS[daily]
    columns = wh.run(f"select * from {daily} limit 0").frame.columns
    assert wh.run(f"select * exclude (period_to_date) from {preset} limit 0").frame.columns == columns
    dims = _dimensions(wh, daily, columns)
    measures = [c for c in columns if c != "activity_date" and c not in dims]
    spans = wh.run(f"select distinct activity_date, period_to_date from {preset} order by 1, 2").frame
    assert spans.height >= 5  # 30, 90 and 365 days and some of their comparison periods
    assert set(spans.iter_rows()) <= wh.preset_spans()  # summed over the periods listed, no other
    sums = ", ".join(f"sum({c}) as {c}" for c in measures)
    for start, end in spans.iter_rows():
        by_day = wh.run(
            f"select {', '.join(dims)}, {sums} from {daily} where activity_date between $a and $b "
            "group by all order by all",
            {"a": start, "b": end},
        ).frame
        rolled = wh.run(
            f"select {', '.join(dims)}, {sums} from {preset} "
            "where activity_date = $a and period_to_date = $b group by all order by all",
            {"a": start, "b": end},
        ).frame
        assert by_day.height == rolled.height > 0
        assert by_day.select(dims).equals(rolled.select(dims))
        for c in measures:
            assert by_day[c].cast(pl.Float64).to_list() == pytest.approx(
                rolled[c].cast(pl.Float64).to_list(), rel=1e-9
            )


def test_the_preset_rollups_hold_the_periods_the_dashboard_opens_on(wh):
    """Each "last N days" period and the periods the scorecard compares it with (Filters.comparison)
    are summed whole: the default views read the roll-ups, not only could."""
    held = wh.preset_spans()
    start = wh.data_start()
    for date_from, date_to in wh.preset_periods():
        f = Filters(date_from=date_from, date_to=date_to)
        assert (date_from, date_to) in held
        for compare in ("previous", "year"):
            other = replace(f, compare=compare).comparison()
            if other.date_to >= start:  # a comparison period before the data has no rows to sum
                assert (other.date_from, other.date_to) in held, (compare, other)


def test_a_time_grain_never_reads_a_preset_period(wh):
    f = wh.resolve(Filters())
    assert (f.date_from, f.date_to) in wh.preset_spans()
    assert "mart_preset_" in wh.metric_values(f, ["aov"], ("tier",))[0].sql
    for grain in ("day", "week", "month"):
        assert "mart_preset_" not in wh.metric_series(f, ["aov"], grain).sql


# The voice page's queries as they were written on the comments and answers themselves (one row
# each), before they read mart_daily_comments and mart_daily_answer_drivers through their
# roll-ups: the independent computation the roll-ups' answers must equal.
_LIVE_TREND = """
select cast(date_trunc('{grain}', answered_date) as date) as period_start, language,
    count(*) as count_comments, count(sentiment) as count_scored, avg(sentiment) as mean_sentiment,
    1.0 * count(*) filter (where sentiment < -0.25) / nullif(count(sentiment), 0) as share_negative
from fct_comments where {where} group by 1, 2 order by 1, 2"""
_LIVE_THEMES = """
select {by}theme, count(*) as count_comments, avg(sentiment) as mean_sentiment,
    100.0 * (count(*) filter (where is_promoter) - count(*) filter (where is_detractor))
        / nullif(count(*) filter (where survey = 'nps'), 0) as nps,
    count(*) filter (where survey = 'nps') as nps_n,
    100.0 * count(*) filter (where is_csat_satisfied)
        / nullif(count(*) filter (where survey = 'csat'), 0) as csat,
    count(*) filter (where survey = 'csat') as csat_n
from fct_comments where {where} and theme is not null group by all"""
_LIVE_DRIVERS = """
select case when is_promoter then 100 when is_detractor then -100 else 0 end as outcome,
    coalesce(is_delivered_late, false) as late_delivery, coalesce(is_repeat_contact, false) as repeat_contact,
    coalesce(is_transferred, false) as transfer, coalesce(is_long_wait, false) as long_wait,
    tier, channel, touchpoint, theme, count(*) as count_answers
from mart_survey_answers where survey = 'nps' and {where} group by all order by all"""


def _voice_cases(wh) -> list[Filters]:
    as_of = wh.as_of()
    month = as_of.replace(day=1)
    options = wh.filter_options()
    region, other = options["region"][0], options["region"][1]
    online = next(s for s in options["store"] if s.startswith("ONL-"))
    default = wh.resolve(Filters())  # the page's default: the last 90 days, a preset period
    return [
        default,
        Filters(date_from=as_of - timedelta(days=364), date_to=as_of),  # the trend's year
        Filters(date_from=(month - timedelta(days=1)).replace(day=1), date_to=month - timedelta(days=1)),
        Filters(date_from=month - timedelta(days=200), date_to=as_of - timedelta(days=3), region=(region,)),
        replace(default, channel=("web",), scope=Scope.of(stores=(online,))),
        replace(default, scope=Scope.of(regions=(other,)), tier=tuple(options["tier"][:2])),
    ]


def test_the_voice_queries_read_through_the_rollups_equal_the_comments(wh):
    """Trend (month and week), themes (whole and by store and language), emerging themes and
    drivers, in preset periods, whole and partial months, with filters and a manager's scope: the
    same figures as the queries on one row per comment or answer."""
    cases = _voice_cases(wh)
    assert "mart_preset_comments" in wh.voice_themes(cases[0]).sql
    assert "mart_preset_answer_drivers" in wh.voice_drivers(cases[0]).sql
    assert "mart_monthly_comments" in wh.voice_sentiment_trend(cases[1]).sql
    assert "mart_monthly_comments" in wh.voice_emerging_themes(cases[2]).sql
    for f in cases:
        f = wh.resolve(f)
        where, params = where_clause(f, "answered_date")
        for grain in ("month", "week"):
            live = wh.run(_LIVE_TREND.format(grain=grain, where=where), params).frame
            assert live.height > 0
            _close(wh.voice_sentiment_trend(f, grain).frame, live)
        for by in (None, "store", "language"):
            column = {None: "", "store": "store_id as store, ", "language": "language, "}[by]
            live = wh.run(_LIVE_THEMES.format(by=column, where=where), params).frame
            keys = [*([by] if by else []), "theme"]
            live = live.sort(keys, nulls_last=True)
            themes = wh.voice_themes(f, by).frame.select(live.columns).sort(keys, nulls_last=True)
            assert themes.height == live.height > 0
            _close(themes, live)
        before = f.comparison() or replace(f, compare="previous").comparison()
        then_where, then_params = where_clause(before, "answered_date")
        counts = {}
        for name, w, p in (("count_now", where, params), ("count_before", then_where, then_params)):
            frame = wh.run(
                f"select theme, count(*) as n from fct_comments where {w} and theme is not null "
                "and theme not in ('no theme', 'other') group by 1",
                p,
            ).frame
            counts[name] = dict(frame.iter_rows())
        emerging = wh.voice_emerging_themes(f).frame
        for name, live in counts.items():
            assert dict(zip(emerging["theme"], emerging[name], strict=True)) == {
                t: live.get(t, 0) for t in emerging["theme"]
            }
            assert set(live) <= set(emerging["theme"])
        live = wh.run(_LIVE_DRIVERS.format(where=where), params).frame
        assert_frame_equal(wh.voice_drivers(f, "nps").frame, _drivers(live, "nps"), rel_tol=1e-9)
