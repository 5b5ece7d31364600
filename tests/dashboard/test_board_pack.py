"""The board pack: frozen the first time it is made, self-contained HTML that opens offline, an XLSX
workbook, both stating filters and freshness, and the same figures after new data arrives."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from dashboard import board_pack
from tests.dashboard.seeded import TINY_ORDERS, tiny_warehouse
from warehouse.api import Warehouse
from warehouse.build import build
from warehouse.filters import Filters
from warehouse.metrics import METRICS

MARCH = date(2026, 3, 1)


@pytest.fixture
def tiny(tmp_path):
    return tiny_warehouse(tmp_path)


def make_pack(db, directory, filters=None):
    filters = filters or Filters()
    wh = Warehouse.open(db)
    try:
        return board_pack.freeze(directory, MARCH, filters, lambda: board_pack.collect(wh, MARCH, filters))
    finally:
        wh.close()


def test_html_opens_offline_and_holds_the_months_numbers(tiny, tmp_path):
    pack = make_pack(tiny, tmp_path / "packs")
    page = board_pack.render_html(pack)
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page), "a script is loaded from the network"
    assert "<script" in page and "Plotly" in page  # plotly.js is embedded
    assert len(re.findall(r"plotly\.js v\d", page)) == 1  # the library embedded once, not per chart
    assert page.count('class="plotly-graph-div"') == 1 + bool(pack["friction"])  # trend (+ friction)
    aov = next(r for r in pack["scorecard"] if r["metric"] == "aov")
    assert aov["value"] == pytest.approx((20.0 + 25.0 + 7.25) / 3)
    assert f"<td>{METRICS['aov'].fmt(aov['value'])}</td>" in page
    assert "March 2026" in page and "Data freshness" in page and "Channel: all" in page


def test_xlsx_states_filters_and_freshness(tiny, tmp_path):
    pack = make_pack(tiny, tmp_path / "packs", Filters(channel=("web",)))
    book = io.BytesIO(board_pack.render_xlsx(pack))
    about = dict(pl.read_excel(book, sheet_name="about").iter_rows())
    assert (
        about["channel"] == "web" and about["date_from"] == "2026-03-01" and about["date_to"] == "2026-03-31"
    )
    assert about["latest orders"] == "2026-03-04"
    values = pl.read_excel(book, sheet_name="scorecard values")
    aov = values.filter(pl.col("metric") == "aov")["value"][0]
    assert aov == pytest.approx((25.0 + 7.25) / 2)  # web orders only


def test_a_frozen_pack_stays_the_same_after_new_data(tiny, tmp_path):
    packs = tmp_path / "packs"
    first = make_pack(tiny, packs)
    html_numbers = re.findall(r"<td>([^<]*)</td>", board_pack.render_html(first))
    # new orders arrive for March and a new snapshot is built and published
    con = duckdb.connect(str(tiny))
    con.execute(
        "insert into raw.orders (order_id, line_no, ordered_at, store_id, channel, customer_id, sku, "
        "quantity, unit_price, _row_number, _file_id) "
        "values (?, 1, ?, 'S1', 'store', 'A', 'K', 1, 500.0, 9, 'late')",
        ["o9", datetime(2026, 3, 3, 12)],
    )
    con.close()
    build(tiny)
    live = Warehouse.open(tiny)
    live_aov = live.month_scorecard(MARCH).frame.filter(pl.col("metric") == "aov")["value"][0]
    frozen_aov = next(r for r in first["scorecard"] if r["metric"] == "aov")["value"]
    assert live_aov != pytest.approx(frozen_aov)
    again = board_pack.freeze(packs, MARCH, Filters(), lambda: board_pack.collect(live, MARCH, Filters()))
    assert again == first
    assert re.findall(r"<td>([^<]*)</td>", board_pack.render_html(again)) == html_numbers
    note = board_pack.compare_note(again, live.month_scorecard(MARCH).frame.to_dicts())
    assert note and "Average order value" in note
    live.close()


def test_packs_are_keyed_by_month_and_filters(tmp_path):
    a = board_pack.pack_path(tmp_path, MARCH, Filters(channel=("web",)))
    b = board_pack.pack_path(tmp_path, MARCH, Filters(channel=("store",)))
    c = board_pack.pack_path(tmp_path, date(2026, 4, 1), Filters(channel=("web",)))
    assert len({a, b, c}) == 3 and a.name.startswith("2026-03__")
    # the period and comparison do not matter: the month replaces them
    assert a == board_pack.pack_path(
        tmp_path, MARCH, Filters(date_from=MARCH, date_to=MARCH, channel=("web",), compare="none")
    )


def test_tiny_orders_are_what_the_tests_assume():
    assert [o["unit_price"] * o["quantity"] for o in TINY_ORDERS] == [20.0, 25.0, 7.25]
