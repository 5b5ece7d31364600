"""The query API on a small inline warehouse: funnel, tiers, friction, roadmap, explore, filters."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.raw_fixture import build_warehouse
from warehouse.api import RowLimitExceeded
from warehouse.filters import Filters

MARCH = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), compare="none")
STORES = [
    {"store_id": "S1", "name": "One", "region": "North"},
    {"store_id": "ONL-N", "name": "Online", "region": "North", "format": "online"},
]
CUSTOMERS = [
    {
        "customer_id": "A",
        "tier": "bronze",
        "tier_since": "2025-01-01",
        "region": "North",
        "segment": "budget",
    },
    {"customer_id": "A", "tier": "gold", "tier_since": "2026-03-15", "region": "North", "segment": "budget"},
    {
        "customer_id": "B",
        "tier": "platinum",
        "tier_since": "2025-01-01",
        "region": "North",
        "segment": "premium",
    },
]


def line(order, when, customer, channel="web", price=10.0, qty=1, **kw):
    return {
        "order_id": order,
        "line_no": 1,
        "ordered_at": when,
        "store_id": "ONL-N",
        "channel": channel,
        "customer_id": customer,
        "sku": "K",
        "quantity": qty,
        "unit_price": price,
        **kw,
    }


@pytest.fixture
def wh(tmp_path):
    orders = [
        line(
            "o1",
            "2026-03-02 10:00:00",
            "A",
            promised_at="2026-03-04 00:00:00",
            delivered_at="2026-03-05 00:00:00",
            returned_quantity=1,
            return_reason="damaged",
        ),
        line(
            "o2",
            "2026-03-20 10:00:00",
            "A",
            price=30.0,
            promised_at="2026-03-24 00:00:00",
            delivered_at="2026-03-22 00:00:00",
        ),
        line("o3", "2026-03-03 10:00:00", "B", channel="store", price=100.0),
    ]
    sessions = [
        {"session_id": f"s{i}", "started_at": "2026-03-02 09:00:00", "channel": "web", "furthest_step": step}
        for i, step in enumerate(["visit", "visit", "product_view", "add_to_cart", "checkout", "purchase"])
    ]
    contacts = [
        {
            "contact_id": "c1",
            "customer_id": "A",
            "order_id": "o1",
            "reason": "order_status",
            "channel": "phone",
            "opened_at": "2026-03-04 12:00:00",
            "transfers": 1,
            "wait_seconds": 600,
        },
        {
            "contact_id": "c2",
            "customer_id": "A",
            "order_id": "o1",
            "reason": "order_status",
            "channel": "phone",
            "opened_at": "2026-03-05 12:00:00",
            "resolved_at": "2026-03-05 12:10:00",
        },
    ]
    surveys = [
        {
            "response_id": "r1",
            "survey": "nps",
            "score": 3,
            "answered_at": "2026-03-06 10:00:00",
            "customer_id": "A",
            "touchpoint": "fulfillment",
        }
    ]
    roadmap = [
        {
            "initiative_id": "I1",
            "name": "Proactive delivery alerts",
            "phase": "deliver",
            "area": "proactive_communication",
            "programme_start": "2026-01-01",
            "start_day": 61,
            "end_day": 120,
            "kpi": "on_time_delivery",
            "baseline": 0.0,
            "target": 100.0,
            "complexity": 2,
        }
    ]
    checkins = [
        {"initiative_id": "I1", "checkin_date": "2026-02-28", "status": "on_track", "percent_complete": 10},
        {"initiative_id": "I1", "checkin_date": "2026-03-31", "status": "at_risk", "percent_complete": 40},
    ]
    return build_warehouse(
        tmp_path,
        {
            "orders": orders,
            "stores": STORES,
            "customers": CUSTOMERS,
            "sessions": sessions,
            "contacts": contacts,
            "surveys": surveys,
            "roadmap": roadmap,
            "roadmap_checkins": checkins,
        },
    )


def test_funnel_counts_and_step_conversion(wh):
    frame = wh.funnel(MARCH).frame
    counts = dict(zip(frame["step"], frame["count_events"], strict=True))
    assert counts["sessions"] == 6
    assert counts["product views"] == 4
    assert counts["added to cart"] == 3
    assert counts["checkout"] == 2 and counts["orders from sessions"] == 1
    assert counts["orders to deliver"] == 2 and counts["delivered"] == 2 and counts["delivered on time"] == 1
    assert counts["post-purchase tickets"] == 2
    assert counts["web orders"] == 2 and counts["store orders"] == 1
    rate = dict(zip(frame["step"], frame["rate"], strict=True))
    assert rate["product views"] == pytest.approx(100 * 4 / 6)
    assert rate["post-purchase tickets"] == pytest.approx(100 * 2 / 3)  # per 100 orders


def test_tier_is_the_tier_held_on_the_day(wh):
    frame = wh.tier_performance(MARCH).frame
    rows = {r["tier"]: r for r in frame.to_dicts()}
    # A was bronze for o1 (2 March) and gold for o2 (20 March); B platinum
    assert rows["bronze"]["net_revenue_amount"] == pytest.approx(10)
    assert rows["gold"]["net_revenue_amount"] == pytest.approx(30)
    assert rows["platinum"]["revenue_share_pct"] == pytest.approx(100 * 100 / 140)
    migration = wh.tier_migration(date(2026, 3, 1), date(2026, 3, 31)).frame.to_dicts()
    assert {"tier_from": "bronze", "tier_to": "gold", "count_customers": 1} in migration


def test_friction_costs_follow_the_assumptions(wh):
    base = {r["friction_point"]: r for r in wh.friction_costs(MARCH).frame.to_dicts()}
    # 1 transfer x 2.75, over 31 days, annualised
    assert base["transfers"]["period_cost_amount"] == pytest.approx(2.75)
    assert base["transfers"]["yearly_cost_amount"] == pytest.approx(2.75 * 365 / 31)
    # c2 repeats c1 (same customer and reason within 7 days): 1 phone contact x 6.50
    assert base["repeat_contacts"]["period_cost_amount"] == pytest.approx(6.5)
    # preventable return: 1 unit x 7.50 processing + 10.00 value x 0.4 margin
    assert base["preventable_returns"]["period_cost_amount"] == pytest.approx(7.5 + 4.0)
    what_if = {
        r["friction_point"]: r for r in wh.friction_costs(MARCH, {"cost_per_transfer": 10.0}).frame.to_dicts()
    }
    assert what_if["transfers"]["period_cost_amount"] == pytest.approx(10.0)
    # the what-if wrote nothing back
    assert wh.assumptions()["cost_per_transfer"] == pytest.approx(2.75)


def test_roadmap_progress_is_measured(wh):
    row = wh.roadmap().frame.row(0, named=True)
    assert str(row["start_date"]) == "2026-03-02" and str(row["end_date"]) == "2026-04-30"
    assert row["status"] == "at_risk" and row["previous_status"] == "on_track"
    # on-time delivery over the last 30 days of data: o1 late, o2 on time -> 50%
    assert row["kpi_measured"] == pytest.approx(50)
    assert row["kpi_progress_pct"] == pytest.approx(50)


def test_explore_checks_names_and_binds_values(wh):
    result = wh.explore("mart_daily_orders", ["channel"], ["count_orders", "aov"], MARCH)
    rows = {r["channel"]: r for r in result.frame.to_dicts()}
    assert rows["web"]["count_orders"] == 2 and rows["store"]["aov"] == pytest.approx(100)
    with pytest.raises(ValueError):
        wh.explore("mart_daily_orders", ["channel; drop table x"], ["count_orders"], MARCH)
    with pytest.raises(RowLimitExceeded):
        wh.explore("mart_daily_orders", ["channel"], ["count_orders"], MARCH, limit=1)


def test_filter_values_are_bound_not_pasted(wh):
    evil = Filters(date_from=MARCH.date_from, date_to=MARCH.date_to, channel="web' or '1'='1", compare="none")
    result = wh.metrics(evil, ["aov"])
    assert "or '1'='1" not in result.sql
    assert result.frame["value"][0] is None  # no channel has that name: no rows, no error


def test_freshness_and_options(wh):
    fresh = {r["source_name"]: r for r in wh.freshness().frame.to_dicts()}
    assert str(fresh["orders"]["latest_date"]) == "2026-03-20"
    options = wh.filter_options()
    assert "web" in options["channel"] and "North" in options["region"]
