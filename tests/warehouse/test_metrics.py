"""Each metric against a value computed by hand on tiny inline data."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.raw_fixture import build_warehouse
from warehouse.filters import Filters

D1, D2 = date(2026, 3, 1), date(2026, 3, 31)
MARCH = Filters(date_from=D1, date_to=D2, compare="none")


def survey(i, kind, score, day=5, **kw):
    return {
        "response_id": f"r{kind}{i}",
        "survey": kind,
        "score": score,
        "answered_at": f"2026-03-{day:02d} 10:00:00",
        **kw,
    }


def values(wh, filters=MARCH, keys=None):
    frame = wh.metrics(filters, keys).frame
    return {r["metric"]: r for r in frame.to_dicts()}


def test_nps_edges_csat_top2_ces_mean(tmp_path):
    # NPS: 0-6 detractors, 7-8 passives, 9-10 promoters. Scores 0,6 | 7,8 | 9,10,10 ->
    # promoters 3/7, detractors 2/7 -> NPS = 100 * (3-2)/7 = 14.2857
    nps = [survey(i, "nps", s) for i, s in enumerate([0, 6, 7, 8, 9, 10, 10])]
    # CSAT top-2-box: 4 and 5 count; 1,2,3,4,5 -> 2/5 = 40%
    csat = [survey(i, "csat", s) for i, s in enumerate([1, 2, 3, 4, 5])]
    # CES mean of 2, 4, 6, 7 = 4.75
    ces = [survey(i, "ces", s) for i, s in enumerate([2, 4, 6, 7])]
    wh = build_warehouse(tmp_path, {"surveys": nps + csat + ces})
    v = values(wh, keys=["nps", "csat", "ces"])
    assert v["nps"]["value"] == pytest.approx(100 / 7)
    assert v["nps"]["n"] == 7
    # margin: p=3/7, d=2/7, var = p + d - (p-d)^2
    p, d = 3 / 7, 2 / 7
    assert v["nps"]["margin"] == pytest.approx(100 * 1.96 * ((p + d - (p - d) ** 2) / 7) ** 0.5)
    assert v["csat"]["value"] == pytest.approx(40.0)
    assert v["csat"]["margin"] == pytest.approx(100 * 1.96 * (0.4 * 0.6 / 5) ** 0.5)
    assert v["ces"]["value"] == pytest.approx(4.75)
    assert v["ces"]["n"] == 4
    assert v["nps"]["is_small_sample"] is True  # n 7 < min_n 30


def contact(cid, customer, reason, when, channel="phone", **kw):
    return {
        "contact_id": cid,
        "customer_id": customer,
        "reason": reason,
        "channel": channel,
        "opened_at": when,
        **kw,
    }


def test_fcr_and_repeat_contacts_seven_day_window(tmp_path):
    contacts = [
        # customer A: same reason again after 6 days -> c1 followed by repeat; ticket t1 not FCR
        contact(
            "c1", "A", "delivery", "2026-03-01 09:00:00", ticket_id="t1", resolved_at="2026-03-01 09:10:00"
        ),
        contact(
            "c2", "A", "delivery", "2026-03-07 09:00:00", ticket_id="t2", resolved_at="2026-03-07 09:10:00"
        ),
        # customer B: same reason again after 8 days -> no repeat, both tickets FCR
        contact(
            "c3", "B", "billing", "2026-03-01 09:00:00", ticket_id="t3", resolved_at="2026-03-01 09:10:00"
        ),
        contact(
            "c4", "B", "billing", "2026-03-09 10:00:00", ticket_id="t4", resolved_at="2026-03-09 10:10:00"
        ),
        # customer C: different reason within 7 days -> no repeat; t5 FCR; t6 unresolved -> not FCR
        contact(
            "c5", "C", "product", "2026-03-02 09:00:00", ticket_id="t5", resolved_at="2026-03-02 09:10:00"
        ),
        contact("c6", "C", "billing", "2026-03-03 09:00:00", ticket_id="t6"),
        # ticket t7 with two contacts -> resolved but not with a single contact
        contact("c7", "D", "account", "2026-03-04 09:00:00", ticket_id="t7", channel="chat"),
        contact(
            "c8",
            "D",
            "other",
            "2026-03-04 12:00:00",
            ticket_id="t7",
            channel="chat",
            resolved_at="2026-03-04 12:30:00",
        ),
    ]
    # A later contact outside the period closes every 7-day window above (see the next test).
    later = contact(
        "c9", "E", "other", "2026-04-30 09:00:00", ticket_id="t9", resolved_at="2026-04-30 09:10:00"
    )
    wh = build_warehouse(tmp_path, {"contacts": [*contacts, later]})
    v = values(wh, keys=["fcr", "repeat_contact_rate", "cost_per_contact"])
    # repeat: only c1 of 8 contacts is followed within 7 days by the same customer and reason
    assert v["repeat_contact_rate"]["value"] == pytest.approx(100 / 8)
    # tickets t1..t7 = 7; FCR: t2, t3, t4, t5 = 4 (t1 repeated, t6 unresolved, t7 two contacts)
    assert v["fcr"]["n"] == 7
    assert v["fcr"]["value"] == pytest.approx(100 * 4 / 7)
    # cost: 6 phone x 6.50 + 2 chat x 3.20 over 8 contacts
    assert v["cost_per_contact"]["value"] == pytest.approx((6 * 6.5 + 2 * 3.2) / 8)


def test_fcr_and_repeat_rate_leave_out_contacts_whose_window_has_not_ended(tmp_path):
    """A contact in the data's last 7 days may still get its repeat: counting it as "no repeat"
    made the latest month's FCR jump and its repeat rate fall (seen on the demo's trend lines)."""
    contacts = [
        contact(
            "c1", "A", "delivery", "2026-03-01 09:00:00", ticket_id="t1", resolved_at="2026-03-01 09:10:00"
        ),
        contact(
            "c2", "A", "delivery", "2026-03-05 09:00:00", ticket_id="t2", resolved_at="2026-03-05 09:10:00"
        ),
        contact(
            "c3", "B", "billing", "2026-03-02 09:00:00", ticket_id="t3", resolved_at="2026-03-02 09:10:00"
        ),
        # the last 7 days of the data: windows still open
        contact(
            "c4", "C", "product", "2026-03-20 09:00:00", ticket_id="t4", resolved_at="2026-03-20 09:10:00"
        ),
        contact(
            "c5", "D", "product", "2026-03-25 09:00:00", ticket_id="t5", resolved_at="2026-03-25 09:10:00"
        ),
    ]
    wh = build_warehouse(tmp_path, {"contacts": contacts})
    v = values(wh, keys=["fcr", "repeat_contact_rate"])
    # windows closed by 2026-03-25 09:00: c1, c2, c3 (opened by 03-18 09:00); c1 is followed by c2
    assert v["repeat_contact_rate"]["n"] == 3
    assert v["repeat_contact_rate"]["value"] == pytest.approx(100 / 3)
    # tickets t1 (repeated), t2, t3 -> FCR 2 of 3; t4 and t5 not yet known
    assert v["fcr"]["n"] == 3
    assert v["fcr"]["value"] == pytest.approx(200 / 3)


def test_reopened_tickets_are_repeat_contacts_issue3(tmp_path):
    # A ticket tool (Zendesk) exports one row per case with its Reopens: a reopened case had a
    # repeat contact, so it is not resolved first time and its contact was followed by a repeat.
    done = "2026-03-04 08:00"
    contacts = [
        contact("z1", "A", "other", "2026-03-01 09:00", ticket_id="z1", resolved_at=done, reopens=0),
        contact("z2", "B", "other", "2026-03-02 09:00", ticket_id="z2", resolved_at=done, reopens=2),
        contact("z3", "C", "other", "2026-03-03 09:00:00", ticket_id="z3", resolved_at=done),
        contact("z4", "D", "other", "2026-03-04 09:00:00", ticket_id="z4", reopens=1),  # unresolved
        # after the period: closes the 7-day windows of the contacts above
        contact("z9", "E", "other", "2026-04-30 09:00:00", ticket_id="z9", resolved_at="2026-04-30 10:00"),
    ]
    wh = build_warehouse(tmp_path, {"contacts": contacts})
    v = values(wh, keys=["fcr", "repeat_contact_rate"])
    assert v["fcr"]["n"] == 4 and v["fcr"]["value"] == pytest.approx(100 * 2 / 4)  # z1, z3
    assert v["repeat_contact_rate"]["value"] == pytest.approx(100 * 2 / 4)  # z2, z4
    costs = {r["friction_point"]: r for r in wh.friction_costs(MARCH).frame.to_dicts()}
    assert costs["repeat_contacts"]["count_events"] == 3  # z2's two reopens and z4's one


def test_service_time_metrics(tmp_path):
    contacts = [
        contact(
            "c1",
            "A",
            "other",
            "2026-03-01 09:00:00",
            handle_seconds=300,
            wait_seconds=60,
            transfers=0,
            resolved_by="agent",
        ),
        contact(
            "c2",
            "B",
            "other",
            "2026-03-01 10:00:00",
            handle_seconds=500,
            wait_seconds=120,
            transfers=2,
            resolved_by="agent",
        ),
        contact(
            "c3",
            "C",
            "other",
            "2026-03-01 11:00:00",
            channel="self_service",
            wait_seconds=0,
            resolved_by="bot",
            resolved_at="2026-03-01 11:05:00",
        ),
        contact(
            "c4",
            "D",
            "other",
            "2026-03-01 12:00:00",
            channel="chat",
            handle_seconds=100,
            resolved_by="bot",
            resolved_at="2026-03-01 12:03:00",
        ),
    ]
    wh = build_warehouse(tmp_path, {"contacts": contacts})
    v = values(wh, keys=["aht", "avg_wait", "transfer_rate", "self_service_rate"])
    assert v["aht"]["value"] == pytest.approx(400)  # c1, c2 agent-handled; bot contacts excluded
    assert v["avg_wait"]["value"] == pytest.approx(60)  # (60 + 120 + 0) / 3 with a wait
    assert v["transfer_rate"]["value"] == pytest.approx(25)
    assert v["self_service_rate"]["value"] == pytest.approx(50)


def test_self_service_rate_counts_only_contacts_resolved_without_an_agent_issue14(tmp_path):
    """Issue 14.1: every self-service-channel contact counted as self-served, resolved or not (the
    demo's roadmap CX-06 read 26.0% instead of 21.8%). Self-served = resolved, by the bot or on the
    self-service channel, not by an agent."""
    done = {"resolved_at": "2026-03-02 09:00:00"}
    at = "2026-03-01 09:00:00"
    contacts = [
        contact("s1", "A", "other", at, channel="self_service", resolved_by="bot", **done),
        contact("s2", "B", "other", at, channel="self_service", **done),  # resolver unknown
        contact("s3", "C", "other", at, channel="self_service"),  # abandoned: not served
        contact("s4", "D", "other", at, channel="self_service", resolved_by="agent", **done),
        contact("s5", "E", "other", at, channel="chat", resolved_by="bot", **done),
        contact("s6", "F", "other", at, channel="chat", resolved_by="bot"),  # bot, open
        contact("s7", "G", "other", at, channel="phone", resolved_by="agent", **done),
        contact("s8", "H", "other", at, channel="phone"),
    ]
    wh = build_warehouse(tmp_path, {"contacts": contacts})
    v = values(wh, keys=["self_service_rate"])["self_service_rate"]
    # served without an agent: s1 (bot), s2 (self-service channel, closed), s5 (bot) = 3 of 8;
    # before: every self-service contact or bot label, s1 s2 s3 s4 s5 s6 = 6 of 8
    assert v["n"] == 8 and v["value"] == pytest.approx(100 * 3 / 8)


def line(order, no, when, customer=None, qty=1, price=10.0, **kw):
    return {
        "order_id": order,
        "line_no": no,
        "ordered_at": when,
        "store_id": "S1",
        "channel": "web",
        "customer_id": customer,
        "sku": "K",
        "quantity": qty,
        "unit_price": price,
        **kw,
    }


def test_order_metrics(tmp_path):
    orders = [
        line(
            "o1",
            1,
            "2026-03-02 10:00:00",
            "A",
            qty=2,
            price=10.0,
            discount=2.0,
            promised_at="2026-03-05 00:00:00",
            delivered_at="2026-03-04 10:00:00",
            returned_quantity=1,
        ),
        line(
            "o1",
            2,
            "2026-03-02 10:00:00",
            "A",
            qty=1,
            price=30.0,
            promised_at="2026-03-05 00:00:00",
            delivered_at="2026-03-04 10:00:00",
        ),
        line(
            "o2",
            1,
            "2026-03-03 10:00:00",
            "B",
            qty=1,
            price=50.0,
            promised_at="2026-03-05 00:00:00",
            delivered_at="2026-03-06 10:00:00",
        ),
        line("o3", 1, "2026-03-04 10:00:00", None, qty=3, price=4.0),  # not shipped
    ]
    wh = build_warehouse(
        tmp_path, {"orders": orders, "stores": [{"store_id": "S1", "name": "One", "region": "North"}]}
    )
    v = values(wh, keys=["aov", "return_rate", "on_time_delivery"])
    # net revenue: o1 = 2*10-2 + 30 = 48, o2 = 50, o3 = 12 -> 110 / 3
    assert v["aov"]["value"] == pytest.approx(110 / 3)
    assert v["return_rate"]["value"] == pytest.approx(100 * 1 / 7)  # 1 of 7 units
    assert v["on_time_delivery"]["value"] == pytest.approx(50)  # o1 on time, o2 late
    assert v["on_time_delivery"]["n"] == 2


def test_order_lines_naming_an_undeclared_store_get_a_virtual_store_issue3(tmp_path):
    # Marketplace and web-shop exports (Olist, UCI Online Retail) book to one store that no stores
    # file declares: it is listed (for the store filter) and its orders still count.
    orders = [
        line("m1", 1, "2026-03-02 10:00:00", "A", price=20.0, store_id="olist", channel="marketplace"),
        line("s1", 1, "2026-03-02 11:00:00", "B", price=10.0),
    ]
    store = {"store_id": "S1", "name": "One", "region": "North"}
    wh = build_warehouse(tmp_path, {"orders": orders, "stores": [store]})
    stores = wh.filter_options()["stores_by_region"]
    assert {"region": "unknown", "store_id": "olist", "store_name": "olist"} in stores
    assert {"region": "North", "store_id": "S1", "store_name": "One"} in stores
    v = values(wh, Filters(date_from=D1, date_to=D2, compare="none", store=("olist",)), keys=["aov"])
    assert v["aov"]["value"] == pytest.approx(20.0) and v["aov"]["n"] == 1


def test_sessions_conversion_and_abandonment(tmp_path):
    steps = ["visit"] * 5 + ["product_view"] * 2 + ["add_to_cart"] * 1 + ["checkout"] * 1 + ["purchase"] * 1
    sessions = [
        {"session_id": f"s{i}", "started_at": "2026-03-10 12:00:00", "channel": "web", "furthest_step": s}
        for i, s in enumerate(steps)
    ]
    wh = build_warehouse(tmp_path, {"sessions": sessions})
    v = values(wh, keys=["conversion_rate", "cart_abandonment"])
    assert v["conversion_rate"]["value"] == pytest.approx(10)  # 1 of 10
    assert v["cart_abandonment"]["value"] == pytest.approx(100 * (1 - 1 / 3))  # 3 reached cart


def test_churn_and_clv(tmp_path):
    # As of 2026-03-31, window 180 days: recent = bought after 2025-10-02.
    orders = [
        line("o1", 1, "2025-06-01 10:00:00", "A", price=100.0),  # A: only long ago -> churned
        line("o2", 1, "2025-06-01 10:00:00", "B", price=100.0),
        line("o3", 1, "2026-03-01 10:00:00", "B", price=100.0),  # B: recent -> retained
        line("o4", 1, "2026-02-01 10:00:00", "C", price=200.0),  # C: recent
        line("o5", 1, "2024-12-01 10:00:00", "D", price=500.0),  # D: outside 12 months -> not in base
    ]
    wh = build_warehouse(
        tmp_path, {"orders": orders, "stores": [{"store_id": "S1", "name": "One", "region": "North"}]}
    )
    v = values(wh, keys=["churn_rate", "clv"])
    assert v["churn_rate"]["n"] == 3
    assert v["churn_rate"]["value"] == pytest.approx(100 / 3)
    # margin 0.4 x revenue 500 over 3 customers = 66.67 a year; lifetime 1 / (1/3) = 3 years
    assert v["clv"]["value"] == pytest.approx(0.4 * 500 / 3 * 3)


def test_churn_needs_twelve_months_of_history(tmp_path):
    """With five months of data nobody can have stopped buying 180 days ago: the demo's
    'same month last year' churn read 1.2% and its YoY change was flagged significant."""
    orders = [
        line("o1", 1, "2025-11-01 10:00:00", "A", price=100.0),
        line("o3", 1, "2025-12-01 10:00:00", "A", price=100.0),  # A returns: churn is measurable
        line("o2", 1, "2026-03-01 10:00:00", "B", price=100.0),
    ]
    wh = build_warehouse(
        tmp_path, {"orders": orders, "stores": [{"store_id": "S1", "name": "One", "region": "North"}]}
    )
    v = values(wh, keys=["churn_rate", "clv"])
    assert v["churn_rate"]["value"] is None and v["churn_rate"]["status"] == "no_data"
    assert v["clv"]["value"] is None


def test_filters_and_comparison(tmp_path):
    nps = [survey(i, "nps", 10, channel="web") for i in range(3)] + [
        survey(i + 9, "nps", 0, channel="store") for i in range(1)
    ]
    feb = [survey(i + 20, "nps", 0, day=10, channel="web") for i in range(2)]
    feb = [dict(r, answered_at="2026-02-10 10:00:00") for r in feb]
    wh = build_warehouse(tmp_path, {"surveys": nps + feb})
    all_march = values(wh, Filters(date_from=D1, date_to=D2), keys=["nps"])["nps"]
    assert all_march["value"] == pytest.approx(50)  # 3 promoters, 1 detractor
    web = values(wh, Filters(date_from=D1, date_to=D2, channel="web"), keys=["nps"])["nps"]
    assert web["value"] == pytest.approx(100)
    # previous period of the same length (31 days) holds February's two web detractors
    assert web["previous"] == pytest.approx(-100)
    assert web["change"] == pytest.approx(200)
    nothing = values(wh, Filters(date_from=D1, date_to=D2, channel="marketplace"), keys=["nps"])["nps"]
    assert nothing["value"] is None and nothing["status"] == "no_data"


def test_a_trend_shows_the_year_to_the_periods_end_or_the_whole_period():
    ninety = Filters(date_from=date(2026, 8, 3), date_to=date(2026, 10, 31), channel="web")
    assert ninety.trend_window() == Filters(
        date_from=date(2025, 11, 1), date_to=date(2026, 10, 31), channel="web"
    )
    longer = Filters(date_from=date(2024, 1, 1), date_to=date(2026, 10, 31))
    assert longer.trend_window() == longer
