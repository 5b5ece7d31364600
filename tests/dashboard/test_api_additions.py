"""The query API methods the dashboard added: funnel drop-off costs, friction priorities, roadmap
health and status changes, and the monthly scorecard with calendar MoM/YoY."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.raw_fixture import build_warehouse
from warehouse.filters import Filters
from warehouse.metrics import METRICS

MARCH = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), compare="none")
STORES = [{"store_id": "ONL", "name": "Online", "region": "North", "format": "online"}]


def order(oid, when, price, **kw):
    return {
        "order_id": oid,
        "line_no": 1,
        "ordered_at": when,
        "store_id": "ONL",
        "channel": "web",
        "customer_id": "A",
        "sku": "K",
        "quantity": 1,
        "unit_price": price,
        **kw,
    }


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    orders = [
        order(
            "o1",
            "2026-03-02 10:00:00",
            10.0,
            promised_at="2026-03-04 00:00:00",
            delivered_at="2026-03-06 00:00:00",
        ),
        order(
            "o2",
            "2026-03-20 10:00:00",
            30.0,
            promised_at="2026-03-24 00:00:00",
            delivered_at="2026-03-22 00:00:00",
        ),
        order("o3", "2026-02-10 10:00:00", 50.0),  # February: AOV 50
        order("o4", "2025-03-10 10:00:00", 80.0),  # a year before: AOV 80
    ]
    sessions = [
        {"session_id": f"s{i}", "started_at": "2026-03-02 09:00:00", "channel": "web", "furthest_step": step}
        for i, step in enumerate(["visit", "add_to_cart", "add_to_cart", "purchase"])
    ]
    contacts = [
        {
            "contact_id": "c1",
            "customer_id": "A",
            "reason": "billing",
            "channel": "phone",
            "opened_at": "2026-03-04 12:00:00",
            "transfers": 2,
        },
    ]
    roadmap = [
        {
            "initiative_id": "I1",
            "name": "Delivery alerts",
            "phase": "deliver",
            "area": "proactive_communication",
            "programme_start": "2026-01-01",
            "start_day": 1,
            "end_day": 90,
            "kpi": "on_time_delivery",
            "baseline": 40.0,
            "target": 90.0,
            "friction_point": "late_deliveries",
            "complexity": 2,
        },
        {
            "initiative_id": "I2",
            "name": "Routing",
            "phase": "deliver",
            "area": "intelligent_routing",
            "programme_start": "2026-01-01",
            "start_day": 30,
            "end_day": 120,
            "kpi": "transfer_rate",
            "baseline": 20.0,
            "target": 5.0,
            "friction_point": "transfers",
            "complexity": 4,
        },
    ]
    checkins = [
        {"initiative_id": "I1", "checkin_date": "2026-01-31", "status": "on_track", "percent_complete": 20},
        {"initiative_id": "I1", "checkin_date": "2026-02-28", "status": "on_track", "percent_complete": 50},
        {"initiative_id": "I1", "checkin_date": "2026-03-31", "status": "at_risk", "percent_complete": 60},
        {"initiative_id": "I2", "checkin_date": "2026-02-28", "status": "on_track", "percent_complete": 10},
        {"initiative_id": "I2", "checkin_date": "2026-03-31", "status": "on_track", "percent_complete": 30},
    ]
    return build_warehouse(
        tmp_path_factory.mktemp("additions"),
        {
            "orders": orders,
            "stores": STORES,
            "sessions": sessions,
            "contacts": contacts,
            "roadmap": roadmap,
            "roadmap_checkins": checkins,
            "customers": [
                {
                    "customer_id": "A",
                    "tier": "gold",
                    "tier_since": "2024-01-01",
                    "region": "North",
                    "segment": "budget",
                }
            ],
        },
    )


def test_month_scorecard_compares_calendar_months(wh):
    rows = {r["metric"]: r for r in wh.month_scorecard(date(2026, 3, 15)).frame.to_dicts()}
    aov = rows["aov"]
    assert aov["value"] == pytest.approx(20.0)  # (10 + 30) / 2
    assert aov["mom_value"] == pytest.approx(50.0)  # all of February, not the 31 days before March
    assert aov["mom_change"] == pytest.approx(-30.0)
    assert aov["yoy_value"] == pytest.approx(80.0)
    assert aov["is_breach"] is True and aov["status"] == "alert"  # 20 < alert 55
    assert set(rows) == set(METRICS)


def test_roadmap_status_changes_as_of_a_month(wh):
    march = {r["initiative_id"]: r for r in wh.roadmap_status_changes(date(2026, 3, 31)).frame.to_dicts()}
    assert march["I1"]["previous_status"] == "on_track" and march["I1"]["status"] == "at_risk"
    assert march["I1"]["is_status_changed"] is True
    assert march["I2"]["is_status_changed"] is False
    february = {r["initiative_id"]: r for r in wh.roadmap_status_changes(date(2026, 2, 28)).frame.to_dicts()}
    assert february["I1"]["status"] == "on_track" and february["I1"]["is_status_changed"] is False


def test_roadmap_health_counts_statuses(wh):
    counts = dict(wh.roadmap_health().frame.select("status", "count_initiatives").iter_rows())
    assert counts == {"at_risk": 1, "on_track": 1}


def test_friction_priorities_pareto_and_quadrants(wh):
    everything = wh.friction_priorities(MARCH).frame
    rows = {r["friction_point"]: r for r in everything.to_dicts()}
    # the one customer of the 12 months did not churn: CLV has no value, so the late order's churn
    # cost is not valued (issue 14.2; there are no WISMO contacts), listed last, outside the total
    frame = everything.filter(everything["quadrant"] != "not_valued")
    late = rows["late_deliveries"]
    assert late["quadrant"] == "not_valued" and everything["quadrant"][-1] == "not_valued"
    assert late["yearly_cost_amount"] is None and "CLV (1 / churn) is unbounded" in late["not_valued"]
    costs = frame["yearly_cost_amount"].to_list()
    assert costs == sorted(costs, reverse=True)
    assert frame["cumulative_share_pct"][-1] == pytest.approx(100.0)
    assert rows["transfers"]["complexity"] == 4 and rows["late_deliveries"]["complexity"] == 2
    assert frame["total_yearly_cost_amount"][0] == pytest.approx(sum(costs))
    median = frame["impact_median_amount"][0]
    transfers = rows["transfers"]
    assert transfers["quadrant"] == (
        "major_project" if transfers["yearly_cost_amount"] >= median else "deprioritise"
    )
    assert rows["abandoned_carts"]["quadrant"] == "no_fix_planned"
    what_if = wh.friction_priorities(MARCH, {"cost_per_transfer": 100.0}).frame
    assert dict(what_if.select("friction_point", "yearly_cost_amount").iter_rows())[
        "transfers"
    ] == pytest.approx(2 * 100.0 * 365 / 31)


def test_funnel_dropoffs_mark_the_costliest(wh):
    frame = wh.funnel_dropoffs(MARCH).frame
    costed = frame.filter(frame["friction_point"].is_not_null())
    assert set(costed["step"]) <= {"orders from sessions", "delivered on time", "resolved first time"}
    top = frame.filter(frame["is_costliest"])
    assert top.height == 1
    assert top["yearly_cost_amount"][0] == costed["yearly_cost_amount"].max()
