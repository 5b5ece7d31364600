"""Scope below the pages (warehouse/scope.py): a scoped viewer's figures equal the same figures
filtered to their regions or stores, a filter can narrow a scope and never widen it, and the scope
reaches the SQL as bound parameters only."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from warehouse.api import Warehouse
from warehouse.filters import Filters
from warehouse.scope import Scope

NORTH = Scope.of(regions=["North"])


@pytest.fixture(scope="module")
def wh(seeded_db):  # noqa: F811
    return Warehouse.open(seeded_db)


@pytest.fixture(scope="module")
def period(wh):
    as_of = wh.as_of()
    return {"date_from": as_of - timedelta(days=179), "date_to": as_of}


def same_numbers(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert_frame_equal(a, b, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


def values(result) -> pl.DataFrame:
    return result.frame.select("metric", "value", "n")


def test_a_region_scope_equals_the_region_filter(wh, period):
    scoped = Filters(**period, scope=NORTH)
    filtered = Filters(**period, region=("North",))
    assert values(wh.metrics(scoped)).equals(values(wh.metrics(filtered)))
    assert wh.funnel(scoped).frame.equals(wh.funnel(filtered).frame)
    # sums of doubles: DuckDB's parallel aggregation may add them in another order for another
    # predicate, so these agree to the last few bits, not bit for bit (counts stay exact)
    same_numbers(wh.tier_performance(scoped).frame, wh.tier_performance(filtered).frame)
    same_numbers(wh.friction_costs(scoped).frame, wh.friction_costs(filtered).frame)
    grouped = ["region", "channel"]
    scoped_rows = wh.explore("mart_daily_orders", grouped, ["count_orders"], scoped).frame
    assert scoped_rows.equals(wh.explore("mart_daily_orders", grouped, ["count_orders"], filtered).frame)
    assert set(scoped_rows["region"]) == {"North"}
    # and it is not the whole business
    assert not values(wh.metrics(scoped)).equals(values(wh.metrics(Filters(**period))))


def test_a_filter_narrows_a_scope_and_never_widens_it(wh, period):
    outside = wh.metrics(Filters(**period, region=("South",), scope=NORTH)).frame
    assert outside["value"].is_null().all() and outside["n"].fill_null(0).sum() == 0
    store = wh.filter_options(NORTH)["store"][0]
    inside = Filters(**period, store=(store,), scope=NORTH)
    assert values(wh.metrics(inside)).equals(values(wh.metrics(Filters(**period, store=(store,)))))


def test_a_store_scope_sees_its_orders_and_the_contacts_and_answers_about_them(wh, period):
    options = wh.filter_options()
    store = next(s["store_id"] for s in options["stores_by_region"] if not s["store_id"].startswith("ONL"))
    scope = Scope.of(stores=[store])
    scoped = wh.explore(
        "mart_daily_contacts", ["store_id"], ["count_contacts"], Filters(**period, scope=scope)
    )
    assert scoped.frame["store_id"].to_list() == [store] and scoped.frame["count_contacts"][0] > 0
    about_orders = wh.run(
        "select count(*) from fct_contacts c join fct_orders o using (order_id) "
        "where o.store_id = $s and c.opened_date between $a and $b",
        {"s": store, "a": period["date_from"], "b": period["date_to"]},
    ).frame.item()
    assert scoped.frame["count_contacts"][0] == about_orders
    answers = wh.explore(
        "mart_daily_surveys", ["store_id"], ["count_nps_responses"], Filters(**period, scope=scope)
    )
    assert answers.frame["store_id"].to_list() == [store]


def test_filter_options_list_only_the_scope(wh):
    north = wh.filter_options(NORTH)
    assert north["region"] == ["North"]
    assert {s["region"] for s in north["stores_by_region"]} == {"North"}
    assert set(north["store"]) == {s["store_id"] for s in north["stores_by_region"]}
    one = wh.filter_options(Scope.of(stores=["ST012"]))
    assert one["store"] == ["ST012"] and len(one["region"]) == 1
    assert wh.filter_options(Scope.of())["store"] == []  # a restricted scope naming nothing sees nothing


def test_a_store_is_in_its_own_region(wh, period):
    """The one region rule: an order's region is its store's (not its customer's), so the stores a
    region lists add up to the region."""
    mismatched = wh.run(
        "select count(*) from fct_orders o join dim_stores s using (store_id) where o.region <> s.region"
    ).frame.item()
    assert mismatched == 0


def test_scope_travels_as_bound_parameters(wh, period):
    hostile = Scope.of(regions=["North' or 1=1 --"])
    result = wh.metrics(Filters(**period, scope=hostile), ["aov"])
    assert "North" not in result.sql and "$scope_regions" in result.sql
    assert result.frame["value"][0] is None


def test_quarantined_rows_are_not_for_a_scoped_viewer(wh):
    assert wh.quarantined_rows().frame.height > 0
    assert wh.quarantined_rows(scope=NORTH).frame.height == 0


def test_roadmap_kpis_are_measured_in_the_scope(wh):
    whole = wh.roadmap().frame.select("initiative_id", "kpi_measured")
    north = wh.roadmap(Filters(scope=NORTH)).frame.select("initiative_id", "kpi_measured")
    assert whole["initiative_id"].to_list() == north["initiative_id"].to_list()
    assert whole["kpi_measured"].to_list() != north["kpi_measured"].to_list()
