"""Issue 14: the friction, funnel and tier figures audited. Each item against values known by hand
on a tiny warehouse (tests/warehouse/raw_fixture.py)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.raw_fixture import build_warehouse
from warehouse.filters import Filters

D1, D2 = date(2026, 3, 1), date(2026, 3, 31)
MARCH = Filters(date_from=D1, date_to=D2, compare="none")
STORES = [
    {"store_id": "S1", "name": "High Street", "region": "North"},
    {"store_id": "W1", "name": "Web shop", "region": "North", "format": "online"},
]


def line(order, when, customer=None, qty=1, price=10.0, channel="web", store="W1", **kw):
    return {
        "order_id": order,
        "line_no": kw.pop("line_no", 1),
        "ordered_at": when,
        "store_id": store,
        "channel": channel,
        "customer_id": customer,
        "sku": "K",
        "quantity": qty,
        "unit_price": price,
        **kw,
    }


LATE = ("2026-03-04 00:00:00", "2026-03-06 10:00:00")  # promised, delivered


def costs(wh, filters=MARCH, assumptions=None) -> dict[str, dict]:
    return {r["friction_point"]: r for r in wh.friction_costs(filters, assumptions).frame.to_dicts()}


# -- 14.5 preventable returns include size/fit, the cost the size-guidance fix is paired with ------
def test_size_fit_returns_are_preventable_and_paired_with_size_guidance_issue14(tmp_path):
    orders = [
        line(
            "o1", "2026-03-02 10:00:00", "A", qty=2, price=10.0, returned_quantity=1, return_reason="damaged"
        ),
        line(
            "o2", "2026-03-03 10:00:00", "B", qty=1, price=40.0, returned_quantity=1, return_reason="size_fit"
        ),
        line(
            "o3",
            "2026-03-04 10:00:00",
            "C",
            qty=1,
            price=99.0,
            returned_quantity=1,
            return_reason="changed_mind",
        ),
    ]
    roadmap = [
        {"initiative_id": "CX-10", "name": "Size guidance and richer product content",
         "programme_start": "2026-03-01", "phase": "deliver", "area": "self_service", "start_day": 1,
         "end_day": 60, "kpi": "return_rate", "friction_point": "preventable_returns", "complexity": 3},
    ]  # fmt: skip
    wh = build_warehouse(tmp_path, {"orders": orders, "stores": STORES, "roadmap": roadmap})
    returns = costs(wh)["preventable_returns"]
    # damaged 1 unit of 10.00 and size/fit 1 unit of 40.00; change of mind is not preventable.
    # Before: 1 unit (damaged) -> 7.50 + 10.00 x 0.4 = 11.50
    assert returns["count_events"] == 2
    assert returns["period_cost_amount"] == pytest.approx(2 * 7.5 + (10.0 + 40.0) * 0.4)
    paired = (
        wh.friction_priorities(MARCH).frame.filter(friction_point="preventable_returns").row(0, named=True)
    )
    assert paired["initiatives"] == "CX-10 Size guidance and richer product content"


# -- 14.4 each version of the cost assumptions applies from its effective date --------------------
def contact(cid, customer, reason, when, channel="phone", **kw):
    return {
        "contact_id": cid,
        "customer_id": customer,
        "reason": reason,
        "channel": channel,
        "opened_at": when,
        **kw,
    }


def versions(*changes: tuple[int, str, dict]) -> list[dict]:
    """cost_assumptions rows: (version, valid_from, settings) each; version 1 holds every default."""
    from tests.warehouse.raw_fixture import DEFAULT_ASSUMPTIONS

    rows = []
    for version, valid_from, settings in changes:
        values = {**DEFAULT_ASSUMPTIONS, **settings} if version == 1 else settings
        rows += [
            {"version": version, "valid_from": valid_from, "setting": k, "value": v}
            for k, v in values.items()
        ]
    return rows


def test_each_cost_assumption_version_applies_from_its_date_issue14(tmp_path):
    """Issue 14.4: the latest version was applied to all history while the page said a version is
    used from its date on. Version 1 from 5 March (phone 6.50, margin 0.4), version 2 from 16 March
    (phone 10.00, margin 0.5; only the changed settings)."""
    contacts = [
        contact("c1", "A", "billing", "2026-03-01 09:00:00"),  # before version 1: the first version's value
        contact("c2", "A", "billing", "2026-03-03 09:00:00"),  # repeat of c1: 6.50
        contact("c3", "B", "billing", "2026-03-20 09:00:00"),
        contact("c4", "B", "billing", "2026-03-22 09:00:00"),  # repeat of c3: 10.00
    ]
    orders = [
        line("o1", "2026-03-10 10:00:00", "A", price=10.0, returned_quantity=1, return_reason="damaged"),
        line("o2", "2026-03-25 10:00:00", "B", price=10.0, returned_quantity=1, return_reason="damaged"),
    ]
    rows = {"contacts": contacts, "orders": orders, "stores": STORES}
    rows["cost_assumptions"] = versions(
        (1, "2026-03-05", {}), (2, "2026-03-16", {"cost_per_contact_phone": 10.0, "gross_margin": 0.5})
    )
    wh = build_warehouse(tmp_path, rows)
    march = costs(wh)
    # before: 2 repeats x 10.00 = 20.00; each on its day's version: 6.50 + 10.00
    assert march["repeat_contacts"]["period_cost_amount"] == pytest.approx(6.5 + 10.0)
    # returns: 2 x 7.50 processing + 10.00 x 0.4 (10 March) + 10.00 x 0.5 (25 March); before 25.00
    assert march["preventable_returns"]["period_cost_amount"] == pytest.approx(15 + 4.0 + 5.0)
    card = {r["metric"]: r["value"] for r in wh.metrics(MARCH, ["cost_per_contact"]).frame.to_dicts()}
    assert card["cost_per_contact"] == pytest.approx((2 * 6.5 + 2 * 10.0) / 4)  # before: 10.00
    # a what-if value applies to every day of the period; nothing is written back
    what_if = costs(wh, assumptions={"cost_per_contact_phone": 8.0})
    assert what_if["repeat_contacts"]["period_cost_amount"] == pytest.approx(16.0)
    assert wh.assumptions()["cost_per_contact_phone"] == pytest.approx(10.0)  # the latest, for the editor


# -- 14.2 a cost that cannot be valued is "not valued" with the reason, never 0 -------------------
def test_costs_without_clv_or_a_setting_are_not_valued_issue14(tmp_path):
    """Issue 14.2: for a period ending within the data's first 12 months CLV has no value and the
    costs it values read 0 (detractor churn vanished from the page; late deliveries lost their churn
    part without a word)."""
    orders = [
        line("o1", "2026-03-02 10:00:00", "A", promised_at=LATE[0], delivered_at=LATE[1]),
        line(
            "o2",
            "2026-03-03 10:00:00",
            "B",
            promised_at="2026-03-05 00:00:00",
            delivered_at="2026-03-04 10:00:00",
        ),
    ]
    contacts = [
        contact("w1", "A", "order_status", "2026-03-05 09:00:00", order_id="o1", transfers=1),
        contact("w2", "A", "order_status", "2026-03-20 09:00:00", order_id="o1", channel="chat"),
    ]
    surveys = [{"response_id": "n1", "survey": "nps", "score": 2, "answered_at": "2026-03-10 10:00:00"}]
    rows = {"orders": orders, "contacts": contacts, "surveys": surveys, "stores": STORES}
    rows["cost_assumptions"] = [
        r for r in versions((1, "2024-01-01", {})) if r["setting"] != "cost_per_transfer"
    ]
    wh = build_warehouse(tmp_path, rows)
    march = costs(wh)
    churn = march["detractor_churn"]
    assert (
        churn["count_events"] == 1
        and churn["period_cost_amount"] is None
        and churn["yearly_cost_amount"] is None
    )
    assert churn["not_valued"] == (
        "not valued: CLV needs 12 months of purchases up to the period's end (31 Mar 2026); "
        "the data starts 02 Mar 2026"
    )
    late = march["late_deliveries"]
    # late orders and "where is my order" contacts apart (before: 3 "events"); the contacts valued
    assert late["count_events"] == 1 and late["count_wismo_contacts"] == 2
    assert late["period_cost_amount"] == pytest.approx(6.5 + 3.2)
    assert late["not_valued"].startswith("the late orders' churn part not valued: CLV needs 12 months")
    assert march["transfers"]["period_cost_amount"] is None
    assert march["transfers"]["not_valued"] == "not valued: no cost_per_transfer in the cost assumptions"
    # the priorities keep them, last, outside the total
    priorities = wh.friction_priorities(MARCH).frame
    assert priorities["quadrant"].to_list()[-2:] == ["not_valued", "not_valued"]
    assert priorities["total_yearly_cost_amount"][0] == pytest.approx((6.5 + 3.2) * 365 / 31)


def test_with_twelve_months_of_history_the_churn_parts_are_valued_issue14(tmp_path):
    orders = [
        line("o0", "2025-03-15 10:00:00", "D"),  # history: the data reaches back 12 months
        # D buys again (still before the window): someone returns, so churn is measurable (issue 13)
        line("o9", "2025-03-20 10:00:00", "D"),
        line("o2", "2025-06-01 10:00:00", "C"),  # C bought in the 12 months, not in the last 180 days
        line("o1", "2026-03-02 10:00:00", "A", promised_at=LATE[0], delivered_at=LATE[1]),
    ]
    surveys = [{"response_id": "n1", "survey": "nps", "score": 2, "answered_at": "2026-03-10 10:00:00"}]
    wh = build_warehouse(tmp_path, {"orders": orders, "surveys": surveys, "stores": STORES})
    # A and C in the window, C churned: margin 0.4 x 20 / 2 customers = 4 a year, lifetime 1 / 0.5 -> CLV 8
    assert wh.metrics(MARCH, ["clv"]).frame["value"][0] == pytest.approx(8.0)
    march = costs(wh)
    assert march["detractor_churn"]["period_cost_amount"] == pytest.approx(1 * 0.12 * 8.0)
    assert march["detractor_churn"]["not_valued"] is None
    assert march["late_deliveries"]["period_cost_amount"] == pytest.approx(1 * 0.04 * 8.0)


# -- 14.3 churn belongs to the customer: one definition, the same number on every view -----------
def spell(customer, tier, since, segment="mainstream"):
    return {"customer_id": customer, "tier": tier, "tier_since": since, "region": "North", "segment": segment}


TIER_STORY = {
    "customers": [
        spell("A", "gold", "2025-01-01"),
        spell("A", "platinum", "2026-01-01"),  # upgraded: platinum at the end of March
        spell("B", "gold", "2025-01-01"),
        spell("C", "gold", "2025-01-01"),
        spell("D", "silver", "2025-01-01"),
        spell("D", "gold", "2026-03-20"),  # gold at the end of March, bought as silver
    ],
    "orders": [
        line("e1", "2025-03-15 10:00:00", "E", price=10.0),  # history: the data reaches back 12 months
        line("a1", "2025-06-01 10:00:00", "A", price=100.0),  # web, as gold
        line("a2", "2026-03-10 10:00:00", "A", price=100.0, channel="store", store="S1"),  # as platinum
        line("b1", "2025-05-01 10:00:00", "B", price=100.0),  # web; nothing since: churned
        line("c1", "2025-07-01 10:00:00", "C", price=50.0),  # web
        line(
            "c2", "2026-02-01 10:00:00", "C", price=50.0, channel="store", store="S1"
        ),  # any purchase counts
        line("d1", "2026-03-05 10:00:00", "D", price=30.0, channel="store", store="S1"),  # as silver
    ],
    "stores": STORES,
}


def test_churn_belongs_to_the_customer_issue14(tmp_path):
    """Issue 14.3: gold churn read 8.47% in the tier table and 21.37% with tier=gold (the filter kept
    only orders placed as gold, so an upgraded customer counted as churned); web churn 37.7% with
    the channel filter against 20.5% when a purchase in any channel counts. Now: a tier filter
    chooses customers by their tier on the period's last day, a channel filter those who bought in
    the channel in the 12 months, and any purchase ends churn."""
    wh = build_warehouse(tmp_path, TIER_STORY)

    def card(**dims):
        f = Filters(date_from=D1, date_to=D2, compare="none", **dims)
        return {r["metric"]: r for r in wh.metrics(f, ["churn_rate", "clv"]).frame.to_dicts()}

    # gold on 31 March: B, C, D; B churned -> 1 of 3 (before: A, B, C by their gold orders, A and B
    # "churned" -> 2 of 3). Margin 0.4 x (100 + 100 + 30) / 3 customers, lifetime 3 years -> 92.
    gold = card(tier=("gold",))
    assert gold["churn_rate"]["n"] == 3 and gold["churn_rate"]["value"] == pytest.approx(100 / 3)
    assert gold["clv"]["value"] == pytest.approx(0.4 * 230 / 3 * 3)
    by_tier = {r["tier"]: r for r in wh.metrics_by(MARCH, "tier", ["churn_rate", "clv"]).frame.to_dicts()}
    assert by_tier["gold"]["churn_rate"] == pytest.approx(gold["churn_rate"]["value"])  # before: 1 of 2
    assert by_tier["gold"]["clv"] == pytest.approx(gold["clv"]["value"])
    assert by_tier["platinum"]["churn_rate"] == 0 and by_tier["platinum"]["churn_rate__n"] == 1  # A
    # bought on the web in the 12 months: A, B, C; A and C bought since (in a store) -> 1 of 3
    # (before: by web orders only, all three -> 3 of 3)
    web = card(channel=("web",))
    assert web["churn_rate"]["n"] == 3 and web["churn_rate"]["value"] == pytest.approx(100 / 3)
    by_channel = {r["channel"]: r for r in wh.metrics_by(MARCH, "channel", ["churn_rate"]).frame.to_dicts()}
    assert by_channel["web"]["churn_rate"] == pytest.approx(web["churn_rate"]["value"])
    # a scorecard with its comparison period (one query for both periods) gives the same values
    both = wh.metrics(Filters(date_from=D1, date_to=D2, tier=("gold",)), ["churn_rate"]).frame
    assert both["value"][0] == pytest.approx(100 / 3)


def test_tiers_count_each_customer_once_with_n_and_anonymous_contacts_apart_issue14(tmp_path):
    """Issue 14.8: a customer who changed tier in the period counted once in each tier (1,267
    against 1,254 distinct); now in the tier held on the period's last day. 14.7: each figure with
    its n, a CLV on few churners flagged. 14.9: anonymous contacts in no tier's cost to serve."""
    story = dict(TIER_STORY)
    story["orders"] = [*TIER_STORY["orders"], line("d2", "2026-03-25 10:00:00", "D", price=30.0)]  # as gold
    story["contacts"] = [
        contact("k1", "D", "billing", "2026-03-26 09:00:00"),  # 6.50, D gold on the day
        contact("k2", None, "other", "2026-03-26 10:00:00"),  # anonymous: 6.50
        contact("k3", None, "other", "2026-03-27 10:00:00", channel="chat"),  # anonymous: 3.20
    ]
    story["surveys"] = [
        {
            "response_id": "n1",
            "survey": "nps",
            "score": 10,
            "answered_at": "2026-03-26 10:00:00",
            "customer_id": "D",
        },
    ]
    wh = build_warehouse(tmp_path, story)
    rows = {r["tier"]: r for r in wh.tier_performance(MARCH).frame.to_dicts()}
    # bought in March: A (as platinum) and D (as silver, then as gold; gold on 31 March). Before: D
    # in silver and in gold, 3 customers for 2.
    assert {t: r["count_customers"] for t, r in rows.items()} == {
        "platinum": 1,
        "gold": 1,
        "silver": 0,
        "none": 0,
    }
    assert sum(r["count_customers"] for r in rows.values()) == 2
    assert rows["gold"]["orders_per_customer"] == pytest.approx(2.0)  # both of D's March orders
    assert rows["silver"]["count_orders"] == 1  # orders stay under the tier of the time
    # n beside every figure; gold's CLV rests on 1 churner (B) of 3 customers: flagged
    assert rows["gold"]["nps"] == pytest.approx(100) and rows["gold"]["nps__n"] == 1
    assert rows["gold"]["churn_rate__n"] == 3 and rows["gold"]["count_churned"] == 1
    assert rows["gold"]["is_clv_few_churners"] is True and rows["gold"]["clv__margin"] > 0
    # cost to serve: D's contact over gold's 1 customer; the anonymous ones apart
    assert rows["gold"]["cost_to_serve_per_customer"] == pytest.approx(6.5)
    frame = wh.tier_performance(MARCH).frame
    none = frame.filter(tier="none")
    assert none["count_anonymous_contacts"].to_list() == [2]
    assert none["anonymous_service_cost_amount"].to_list() == [pytest.approx(6.5 + 3.2)]


# -- 14.9 a sales-channel view keeps the contacts about its orders -----------------------------
def test_a_sales_channel_view_keeps_the_contacts_about_its_orders_issue14(tmp_path):
    """Issue 14.9: with channel=web the contact friction disappeared although web tickets exist (a
    contact's channel is phone, chat ...). Now the channel filter keeps a contact that came in on a
    chosen channel or is about an order of a chosen sales channel."""
    orders = [
        line("o1", "2026-03-02 10:00:00", "A"),
        line("o2", "2026-03-02 11:00:00", "B", channel="store", store="S1"),
    ]
    contacts = [
        contact("c1", "A", "order_status", "2026-03-03 09:00:00", order_id="o1"),  # phone, about a web order
        contact("c2", "A", "order_status", "2026-03-04 09:00:00", order_id="o1"),  # its repeat
        contact("c3", "C", "account", "2026-03-05 09:00:00", channel="chat"),  # chat, about no order
        contact("c4", "B", "product", "2026-03-06 09:00:00", order_id="o2"),  # phone, about a store order
    ]
    wh = build_warehouse(tmp_path, {"orders": orders, "contacts": contacts, "stores": STORES})

    def served(channel):
        f = Filters(date_from=D1, date_to=D2, compare="none", channel=(channel,))
        return wh.metrics(f, ["cost_per_contact"]).frame["n"][0], costs(wh, f)

    n, web = served("web")
    assert n == 2  # c1 and c2; before: none
    assert web["repeat_contacts"]["count_events"] == 1 and web["repeat_contacts"]["period_cost_amount"] == 6.5
    assert web["late_deliveries"]["count_wismo_contacts"] == 2
    assert served("chat")[0] == 1  # c3
    assert served("phone")[0] == 3  # c1, c2, c4 came in on the phone
    tiers = wh.tier_performance(Filters(date_from=D1, date_to=D2, channel=("web",))).frame
    assert tiers.filter(tier="none")["service_cost_amount"].to_list() == [pytest.approx(2 * 6.5)]
    explored = wh.explore(
        "mart_daily_contacts", [], ["count_contacts"], Filters(date_from=D1, date_to=D2, channel="web")
    )
    assert explored.frame["count_contacts"].to_list() == [2]


# -- 14.6 a funnel whose every step is over its right base -----------------------------------
def test_the_funnel_reads_each_step_over_its_right_base_issue14(tmp_path):
    """Issue 14.6: orders were 310% of add-to-carts (store orders have no session), "delivered"
    50.9% only because store orders are never delivered, and tickets were divided by on-time
    deliveries. Now: the digital journey on sessions, fulfilment on orders to deliver, support per
    100 orders, store orders on their own line."""
    steps = ["visit"] * 4 + ["product_view"] * 2 + ["add_to_cart", "checkout"] + ["purchase"] * 2
    sessions = [
        {"session_id": f"s{i}", "started_at": "2026-03-02 09:00:00", "channel": "web", "furthest_step": step}
        for i, step in enumerate(steps)
    ]
    promise = {"promised_at": "2026-03-05 00:00:00"}
    orders = [
        line("w1", "2026-03-02 10:00:00", "A", delivered_at="2026-03-04 10:00:00", **promise),  # on time
        line("w2", "2026-03-02 11:00:00", "B", delivered_at="2026-03-06 10:00:00", **promise),  # late
        *[line(f"p{i}", "2026-03-03 10:00:00", f"C{i}", channel="store", store="S1") for i in range(6)],
    ]
    contacts = [
        contact(
            "t1", "A", "order_status", "2026-03-04 09:00:00", order_id="w1", resolved_at="2026-03-04 09:10:00"
        ),
        contact("t9", "Z", "other", "2026-03-30 09:00:00"),  # closes t1's 7-day window
    ]
    wh = build_warehouse(
        tmp_path, {"sessions": sessions, "orders": orders, "contacts": contacts, "stores": STORES}
    )
    lines = {r["step"]: r for r in wh.funnel(MARCH).frame.to_dicts()}

    def read(step):
        return lines[step]["count_events"], lines[step]["base_step"], lines[step]["rate"]

    # 10 sessions -> 6 product views -> 4 carts -> 3 checkouts -> 2 orders from sessions
    assert read("product views") == (6, "sessions", pytest.approx(60.0))
    assert read("checkout") == (3, "added to cart", pytest.approx(75.0))
    assert read("orders from sessions") == (
        2,
        "checkout",
        pytest.approx(200 / 3),
    )  # before: 8 orders, 200% of carts
    # fulfilment over the orders to deliver (before: delivered 2 of 8 orders = 25%)
    assert read("orders to deliver") == (2, "orders", pytest.approx(25.0))
    assert read("delivered") == (2, "orders to deliver", pytest.approx(100.0))
    assert read("delivered on time") == (1, "delivered", pytest.approx(50.0))
    # support per 100 orders (before: 1 ticket / 1 on-time delivery = 100%)
    assert read("post-purchase tickets") == (1, "orders", pytest.approx(12.5))
    assert lines["post-purchase tickets"]["rate_unit"] == "per 100 orders"
    assert read("resolved first time") == (1, "tickets with a closed 7-day window", pytest.approx(100.0))
    # store orders on their own line, a share of all orders
    assert read("store orders") == (6, "orders", pytest.approx(75.0))
    assert read("web orders") == (2, "orders", pytest.approx(25.0))
