"""Money is shown in the orders' own currency (warehouse/money.py), never an assumed pound."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.raw_fixture import build_warehouse
from warehouse import money
from warehouse.filters import Filters
from warehouse.metrics import METRICS

MARCH = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), compare="none")
STORES = [{"store_id": "S1", "name": "One", "region": "North"}]


def line(order, currency):
    return {"order_id": order, "line_no": 1, "ordered_at": "2026-03-02 10:00:00", "store_id": "S1",
            "channel": "web", "sku": "K", "quantity": 1, "unit_price": 100.0,
            "currency": currency}  # fmt: skip


@pytest.fixture(autouse=True)
def _restore_symbol():
    yield
    money.use(money.DEFAULT)


@pytest.mark.parametrize(
    ("currencies", "code", "shown"),
    [(["BRL", "brl "], "BRL", "R$100.00"), (["GBP"], "GBP", "£100.00"), (["BRL", "EUR"], None, "100.00")],
)
def test_money_metrics_are_shown_in_the_orders_currency(tmp_path, currencies, code, shown):
    orders = [line(f"o{i}", c) for i, c in enumerate(currencies)]
    wh = build_warehouse(tmp_path, {"orders": orders, "stores": STORES})
    assert wh.currency() == code
    money.use(wh.currency())
    row = wh.metrics(MARCH, ["aov"]).frame.row(0, named=True)
    assert row["unit"] == (code or "money")
    assert METRICS["aov"].fmt(row["value"]) == shown


def test_unknown_codes_are_shown_as_the_code():
    assert money.symbol_for("ZAR") == "ZAR "
    assert money.symbol_for(None) == ""
    money.use("EUR")
    assert money.text("¤12") == "€12"
