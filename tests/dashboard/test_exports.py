"""Exports are part of the product: the CSV download is checked byte for byte against a constant on
a tiny warehouse, the filters travel in the file name / "filters" sheet / Parquet metadata, and
text that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pyarrow.parquet as pq
import pytest

from dashboard import components, exports
from tests.dashboard.conftest import make_app
from tests.dashboard.seeded import tiny_warehouse
from warehouse import audit
from warehouse.filters import Filters

# The tiny warehouse's orders in March 2026 by channel and segment, as the Explore page shows them.
# "-budget" is a segment name that a spreadsheet would read as a formula: it gets an apostrophe.
EXPECTED_CSV = (
    b"channel,segment,count_orders,net_revenue_amount\n"
    b"store,'-budget,1,20.0\n"
    b"web,'-budget,1,7.25\n"
    b"web,premium,1,25.0\n"
)
FILTERS = Filters(
    date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), channel=("web", "store"), tier=("gold", "none")
)


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    return tiny_warehouse(tmp_path_factory.mktemp("tiny"))


def test_explore_csv_download_is_byte_for_byte_the_table(tiny_db, monkeypatch, downloads):
    at = make_app(
        tiny_db,
        monkeypatch,
        {
            "mart": "mart_daily_orders",
            "group_by": ["channel", "segment"],
            "measures": ["count_orders", "net_revenue_amount"],
        },
    )
    at.run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    csv_button = next(b for b in at.get("download_button") if b.label == "CSV")
    assert downloads(csv_button) == EXPECTED_CSV
    # the click reruns the page once to write the download's audit line (issue 10: who exported what)
    assert not csv_button.proto.ignore_rerun
    shown = pl.from_pandas(at.dataframe[0].value)
    assert shown.write_csv().encode().replace(b"-budget", b"'-budget") == EXPECTED_CSV


def test_a_long_tables_csv_is_made_when_clicked_with_the_same_bytes(tiny_db, monkeypatch, recorded):
    """Above EAGER_CSV_ROWS the CSV is not made on every view: the button holds a callable that a
    click calls, which gives the eager bytes and writes the audit line then."""
    monkeypatch.setattr(components, "EAGER_CSV_ROWS", 2)  # the table has 3 rows
    params = {"mart": "mart_daily_orders", "group_by": ["channel", "segment"]}
    at = make_app(tiny_db, monkeypatch, {**params, "measures": ["count_orders", "net_revenue_amount"]})
    at.run()
    recorded.clear()  # the overview's
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    csv_data = next(data for label, data, name in recorded if label == "CSV")
    assert callable(csv_data)
    before = audit.read(tiny_db).height
    assert csv_data() == EXPECTED_CSV
    lines = audit.read(tiny_db)
    assert lines.height == before + 1 and lines["format"][0] == "csv" and lines["rows"][0] == 3


def test_file_name_states_the_filters():
    assert exports.file_stem("tier_performance", FILTERS) == (
        "tier_performance__2026-03-01_2026-03-31__channel-web+store__tier-gold+none"
    )
    assert exports.file_stem("x y/z", None) == "x-y-z"


def test_xlsx_has_the_table_and_a_filters_sheet():
    frame = pl.DataFrame(
        {"segment": ["=1+2", "premium"], "count_orders": [3, 4], "day": [date(2026, 3, 1)] * 2}
    )
    book = exports.xlsx_bytes(frame, FILTERS, "orders")
    data = pl.read_excel(io.BytesIO(book), sheet_name="orders")
    assert data["segment"].to_list() == ["'=1+2", "premium"]
    assert data["count_orders"].to_list() == [3, 4]
    about = dict(pl.read_excel(io.BytesIO(book), sheet_name="filters").iter_rows())
    assert about["date_from"] == "2026-03-01" and about["channel"] == "web, store"
    assert about["region"] == "all" and about["compare"] == "previous"


def test_parquet_carries_the_filters_as_metadata():
    frame = pl.DataFrame({"channel": ["web"], "count_orders": [1]})
    raw = exports.parquet_bytes(frame, FILTERS, "orders", notes=[("mart", "mart_daily_orders")])
    meta = pq.read_schema(io.BytesIO(raw)).metadata
    assert meta[b"cx.tier"] == b"gold, none" and meta[b"cx.date_to"] == b"2026-03-31"
    assert meta[b"cx.mart"] == b"mart_daily_orders"
    assert pl.read_parquet(io.BytesIO(raw)).equals(frame)  # values untouched in Parquet


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(text):
    frame = pl.DataFrame({"value": [text, "plain"], "number": [-1.5, 2.0]})
    csv = exports.csv_bytes(frame).decode()
    assert csv.splitlines()[0] == "value,number"
    assert ("'" + text) in csv and "plain" in csv
    assert "-1.5" in csv  # numbers are numbers, not text: left alone
    book = exports.xlsx_bytes(frame)
    cell = pl.read_excel(io.BytesIO(book), sheet_name="data")["value"][0]
    assert cell.startswith("'") and cell[1:].strip() == text.strip()


def test_edited_assumptions_become_the_next_version():
    saved = pl.DataFrame(
        {
            "setting": ["gross_margin", "cost_per_transfer"],
            "setting_value": [0.4, 2.75],
            "unit": ["share", "GBP"],
            "description": ["margin", "per transfer"],
            "version": [2, 2],
        }
    )
    edited = saved.with_columns(
        pl.when(pl.col("setting") == "cost_per_transfer")
        .then(5.0)
        .otherwise(pl.col("setting_value"))
        .alias("setting_value")
    )
    assert exports.changed_assumptions(saved, edited) == {"cost_per_transfer": 5.0}
    csv = exports.assumptions_csv(saved, edited, date(2026, 11, 1)).decode()
    assert csv.splitlines() == [
        "version,valid_from,setting,value,unit,description",
        "3,2026-11-01,gross_margin,0.4,share,margin",
        "3,2026-11-01,cost_per_transfer,5.0,GBP,per transfer",
    ]
