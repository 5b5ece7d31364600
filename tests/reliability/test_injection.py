"""Injection: filter values and URL query parameters never reach SQL as text.

SQL- and quote-laden values, unicode and very long values go through the query API (as filter values:
the result and the SQL are those of a value that matches nothing), through the explorer's and the
metric groupings' names (rejected with a message naming the allowed ones), through the URL of every
page (ignored: the page shows its defaults) and through `cx metrics`. Nothing in the warehouse changes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app as cli_app
from dashboard.state import FILTERS_STATE
from tests.dashboard.conftest import make_app
from tests.dashboard.test_pages import PAGES, tile
from tests.reliability.warehouse_state import checksums
from warehouse import snapshots
from warehouse.filters import DIMENSIONS, Filters
from warehouse.metrics import METRICS

EVIL = [
    "'; drop table mart_daily_orders; --",
    '" or 1=1 --',
    "web' or '1'='1",
    "x') union all select table_name from information_schema.tables --",
    "$channel",
    "{{ ref('fct_orders') }}",
    "Ünïcødé ☃ 𝄞 \u202eevil",
    "nul\x00byte",
    "a" * 100_000,
]
NOTHING = "zz-no-such-value"


def _ids(values):
    return [v[:24] if len(v) < 100 else f"{len(v):,} characters" for v in values]


@pytest.fixture(scope="module")
def period(wh) -> Filters:
    as_of = wh.as_of()
    return Filters(date_from=as_of - timedelta(days=89), date_to=as_of)


API_CALLS = {
    "metrics": lambda wh, f: wh.metrics(f),
    "metric_series": lambda wh, f: wh.metric_series(f, ["nps", "aov", "fcr"], "month"),
    "metrics_by": lambda wh, f: wh.metrics_by(f, "tier", ["aov", "csat"]),
    "funnel": lambda wh, f: wh.funnel(f, by_channel=True),
    "tier_performance": lambda wh, f: wh.tier_performance(f),
    "friction_costs": lambda wh, f: wh.friction_costs(f),
    "explore": lambda wh, f: wh.explore("mart_daily_orders", ["channel", "tier"], ["count_orders", "aov"], f),
    "month_scorecard": lambda wh, f: wh.month_scorecard(f.date_to, f),
    "tier_migration": lambda wh, f: wh.tier_migration(f.date_from, f.date_to, f),
}


@pytest.mark.parametrize("value", EVIL, ids=_ids(EVIL))
def test_filter_values_are_values(wh, seeded_db, period, value):
    """Every dimension set to the value: each API call returns exactly what a value that matches
    nothing returns, from the same SQL text, and the snapshot is unchanged."""
    snapshot = snapshots.current_snapshot(seeded_db)
    before = checksums(snapshot, schemas=())
    evil = replace(period, **{dim: (value,) for dim in DIMENSIONS})
    harmless = replace(period, **{dim: (NOTHING,) for dim in DIMENSIONS})
    for name, call in API_CALLS.items():
        got, expected = call(wh, evil), call(wh, harmless)
        assert got.sql == expected.sql, name
        assert got.frame.equals(expected.frame), name
    for dim in DIMENSIONS:  # one dimension at a time, the others open
        got = wh.metrics(replace(period, **{dim: (value,)}))
        expected = wh.metrics(replace(period, **{dim: (NOTHING,)}))
        assert (got.sql, got.frame.to_dicts()) == (expected.sql, expected.frame.to_dicts()), dim
    rows = wh.quarantined_rows(source=value, rule=value)
    assert rows.sql == wh.quarantined_rows(source=NOTHING, rule=NOTHING).sql and rows.frame.height == 0
    assert checksums(snapshot, schemas=()) == before
    assert snapshots.current_snapshot(seeded_db) == snapshot


def test_text_that_is_not_valid_unicode_is_refused_with_a_message():
    with pytest.raises(ValueError, match="channel filter value .* is not valid text"):
        Filters(channel=("\ud800",))


@pytest.mark.parametrize(
    "name", EVIL[:6] + ["count_orders; drop table x", "channel) --"], ids=_ids(EVIL[:6] + ["a", "b"])
)
def test_names_are_checked_against_allow_lists(wh, period, name):
    with pytest.raises(ValueError, match="is not an explorable mart; choose from"):
        wh.explore(name, [], ["count_orders"], period)
    with pytest.raises(ValueError, match="has no column or metric"):
        wh.explore("mart_daily_orders", [name], ["count_orders"], period)
    with pytest.raises(ValueError, match="has no column or metric"):
        wh.explore("mart_daily_orders", ["channel"], [name], period)
    with pytest.raises(ValueError, match="cannot group mart_daily_orders by"):
        wh.metrics_by(period, name, ["aov"])
    with pytest.raises(ValueError, match="cannot group"):
        wh.metric_series(period, ["nps"], grain=name)
    with pytest.raises(ValueError, match="compare must be one of"):
        Filters(compare=name)


def _url(value: str) -> dict:
    """Every parameter the app binds, and two it does not know, set to `value`."""
    params = {
        key: value
        for key in ("period", "month", "quarter", "from", "to", "compare", "mart", "q_source", "q_rule")
    }
    params.update({key: [value, value + "2"] for key in ("channel", "region", "store", "tier", "segment")})
    params.update({"group_by": [value], "measures": [value]})
    params.update({value[:200]: value, "junk": "<script>alert(1)</script>"})
    return params


@pytest.mark.parametrize(
    "value", [EVIL[0], EVIL[1], EVIL[6], EVIL[8]], ids=_ids([EVIL[0], EVIL[1], EVIL[6], EVIL[8]])
)
def test_url_parameters_are_ignored_unless_valid(seeded_db, wh, period, monkeypatch, value):
    """Every page opened with every parameter set to the value: no error, the default filters, and
    on the overview the default numbers; the explorer falls back to its default mart."""
    snapshot = snapshots.current_snapshot(seeded_db)
    before = checksums(snapshot, schemas=()), checksums(seeded_db)
    default = replace(period, compare="previous")
    for page, path in PAGES.items():
        at = make_app(seeded_db, monkeypatch, _url(value))
        at.run()
        if page != "overview":
            at.switch_page(path).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.session_state[FILTERS_STATE] == default, page
        if page == "overview":
            expected = {r["metric"]: r for r in wh.metrics(default).frame.to_dicts()}
            assert tile(at, "aov")["value"] == METRICS["aov"].fmt(expected["aov"]["value"])
        if page == "explore":
            assert at.selectbox(key="mart").value == "mart_daily_orders"
            assert at.multiselect(key="group_by").value == ["channel"]
            shown = " ".join(c.value for c in at.code)
            assert value not in shown
    assert (checksums(snapshot, schemas=()), checksums(seeded_db)) == before


def test_cx_metrics_takes_quote_laden_filters_as_values(seeded_db):
    args = ["metrics", "--db", str(seeded_db), "--json"]
    for dim in ("channel", "region", "store", "tier", "segment"):
        args += [f"--{dim}", EVIL[0], f"--{dim}", EVIL[1]]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert all(
        v["value"] is None for k, v in out.items() if k != "_filters" and METRICS[k].kind == "additive"
    )
    assert EVIL[0] in out["_filters"]["description"]  # stated as the value it is


def test_bad_dates_from_the_command_line_are_a_message(seeded_db):
    result = CliRunner().invoke(
        cli_app, ["metrics", "--db", str(seeded_db), "--from", "2024-01-01' or '1'='1"]
    )
    assert result.exit_code == 2  # a usage error, with the message
    assert "must be a date like 2026-03-31" in result.output and "Traceback" not in result.output


def test_the_snapshot_is_opened_read_only(wh):
    with pytest.raises(Exception, match="read-only"):
        wh.run("create table x as select 1")
    assert "x" not in pl.Series(
        wh.run("select table_name from information_schema.tables").frame["table_name"]
    )


def test_unknown_parameters_alone_are_ignored(seeded_db, monkeypatch):
    at = make_app(
        seeded_db, monkeypatch, {"utm_source": "mail", "'; drop table x; --": "1", "page": "../../etc"}
    )
    at.run()
    assert not at.exception
    assert Path(snapshots.current_snapshot(seeded_db)).exists()
