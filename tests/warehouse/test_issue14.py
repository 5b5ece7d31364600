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
