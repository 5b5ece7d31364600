"""Bounds: an explore query (and so its table and downloads) over the row limit is refused with a
message, and never fetched whole: DuckDB stops at limit + 1 rows. The limit is CX_EXPLORE_ROW_LIMIT."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.settings import DEFAULT_EXPLORE_ROW_LIMIT, Settings
from tests.dashboard.conftest import make_app
from warehouse.api import EXPLORE_ROW_LIMIT, RowLimitExceeded
from warehouse.filters import Filters


@pytest.fixture
def last_90(wh) -> Filters:
    as_of = wh.as_of()
    return Filters(date_from=as_of - timedelta(days=89), date_to=as_of)


def test_over_the_limit_is_refused_after_fetching_limit_plus_one_rows(wh, last_90, monkeypatch):
    fetched = []
    run = wh.run

    def spy(sql, params=None):
        result = run(sql, params)
        fetched.append((sql, dict(params or {}), result.frame.height))
        return result

    monkeypatch.setattr(wh, "run", spy)
    whole = wh.explore("mart_daily_orders", ["activity_date", "channel"], ["count_orders"], last_90)
    assert whole.frame.height > 10
    fetched.clear()
    with pytest.raises(
        RowLimitExceeded, match="more than 10 rows: group by fewer columns or narrow the filters"
    ):
        wh.explore("mart_daily_orders", ["activity_date", "channel"], ["count_orders"], last_90, limit=10)
    [(sql, params, height)] = [f for f in fetched if "from mart_daily_orders" in f[0]]
    assert sql.rstrip().endswith("limit $row_limit") and params["row_limit"] == 11 and height == 11


def test_at_the_limit_is_shown_whole(wh, last_90):
    channels = wh.explore("mart_daily_orders", ["channel"], ["count_orders"], last_90).frame.height
    assert (
        wh.explore("mart_daily_orders", ["channel"], ["count_orders"], last_90, limit=channels).frame.height
        == channels
    )


def test_the_explore_page_refuses_a_table_over_the_limit(seeded_db, monkeypatch):
    monkeypatch.setenv("CX_EXPLORE_ROW_LIMIT", "5")
    at = make_app(
        seeded_db, monkeypatch, {"mart": "mart_daily_orders", "group_by": ["activity_date", "channel"]}
    )
    at.run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    assert any("Too many rows to show: more than 5 rows" in w.value for w in at.warning)
    assert not at.dataframe and not at.get("download_button")  # nothing materialised, nothing to download
    at.multiselect(key="group_by").set_value(["channel"]).run()  # few rows: shown, downloadable
    assert at.dataframe and [b.label for b in at.get("download_button")] == ["CSV", "XLSX", "Parquet"]


def test_the_limit_setting():
    assert DEFAULT_EXPLORE_ROW_LIMIT == EXPLORE_ROW_LIMIT == Settings.from_env({}).explore_row_limit
    assert Settings.from_env({"CX_EXPLORE_ROW_LIMIT": "250"}).explore_row_limit == 250
    for bad in ("0", "-5", "lots"):
        with pytest.raises(ValueError, match="CX_EXPLORE_ROW_LIMIT must be a whole number above 0"):
            Settings.from_env({"CX_EXPLORE_ROW_LIMIT": bad})
