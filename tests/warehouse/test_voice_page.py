"""Warehouse.voice_page runs the voice page's queries two at a time: each part must be what the
query run alone returns, for a short list (read whole) and a long one (its newest answers), with
statuses in the store, in the default view and in a region manager's scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from bench.page_queries import view_filters
from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from tests.warehouse.follow_up_fixture import MARCH, follow_up_warehouse
from warehouse import followups
from warehouse.api import Result, Warehouse
from warehouse.filters import Filters
from warehouse.followups import FollowUpStore
from warehouse.scope import Scope


def assert_result_equal(got: Result | None, expected: Result | None) -> None:
    assert (got is None) == (expected is None)
    if got is not None and expected is not None:
        assert_frame_equal(got.frame, expected.frame)
        assert (got.sql, got.params) == (expected.sql, expected.params)


def assert_page_is_its_queries(wh: Warehouse, f: Filters, eager_rows: int, shown_max: int) -> None:
    page = wh.voice_page(f, eager_rows, shown_max)
    f = wh.resolve(f)
    # the trend: the year to the period's end, as the overview's trends
    trend = replace(f, date_from=min(f.date_from, f.date_to - timedelta(days=364)))
    assert trend == f.trend_window()
    assert_result_equal(page.accuracy, wh.voice_accuracy(f))
    assert_result_equal(page.trend, wh.voice_sentiment_trend(trend, "month"))
    assert_result_equal(page.themes, wh.voice_themes(f))
    assert_result_equal(page.emerging, wh.voice_emerging_themes(f))
    assert_result_equal(page.drivers, wh.voice_drivers(f, "nps"))
    index = wh.follow_up_index(f)
    assert_frame_equal(page.index.frame.sort("response_id"), index.frame.sort("response_id"))
    assert_result_equal(page.rates, wh.follow_up_rates(f, listed=index))
    short = index.frame.height <= eager_rows
    assert_result_equal(page.listed, wh.follow_up_list(f) if short and index.frame.height else None)
    rows = wh.follow_up_rows(f, index.frame, None, shown_max)
    assert_result_equal(page.shown, rows if not short else None)


@pytest.fixture
def loop_db(tmp_path) -> Path:
    db = follow_up_warehouse(tmp_path / "loop")
    with FollowUpStore(followups.store_path(db)) as store:
        store.set_status("r1", "contacted", "north@example.com", at=datetime(2026, 3, 10, 18))
        store.set_status("r6", "resolved", "gov@example.com", at=datetime(2026, 3, 22, 10))
    return db


@pytest.mark.parametrize("eager_rows", [0, 2, 2_000])
@pytest.mark.parametrize("scope", [None, Scope.of(regions=["North"])])
def test_the_page_is_its_queries_with_statuses(loop_db, eager_rows, scope):
    wh = Warehouse.open(loop_db)
    try:
        f = Filters(date_from=MARCH[0], date_to=MARCH[1], **({"scope": scope} if scope else {}))
        page = wh.voice_page(f, eager_rows, 2)
        statuses = dict(page.index.frame.select("response_id", "status").iter_rows())
        assert statuses["r1"] == "contacted"  # r1 is North's
        assert statuses.get("r6", "resolved") == "resolved"  # South's r6: on the list unless scoped to North
        assert_page_is_its_queries(wh, f, eager_rows, 2)
    finally:
        wh.close()


@pytest.mark.parametrize("view", ["every_channel_and_tier", "region_manager"])
def test_the_page_is_its_queries_on_the_seeded_demo(seeded_db, view):  # noqa: F811
    wh = Warehouse.open(seeded_db)
    try:
        f = view_filters(wh, view)
        page = wh.voice_page(f, 0, 50)
        assert page.accuracy.frame.height and page.themes.frame.height
        if view == "every_channel_and_tier":
            assert page.shown is not None and page.shown.frame.height == min(50, page.index.frame.height) > 0
        else:  # the demo's region has no unhappy answer in the period: nothing to show
            assert page.index.frame.height == 0 and page.listed is None and page.shown is None
        assert_page_is_its_queries(wh, f, 0, 50)
        assert_page_is_its_queries(wh, f, 2_000, 1_000)
    finally:
        wh.close()
