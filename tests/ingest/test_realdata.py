"""Every real export in ../shared/realdata (Olist, UCI Online Retail) ingested and built: the profile
detected, counts that reconcile with the files, and figures checked against values computed here
independently with Polars from the raw files. Skipped when the folder is absent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from ingest.run import ingest_paths
from warehouse.api import Warehouse
from warehouse.build import build
from warehouse.filters import Filters

from .exports import SALT, query

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
OLIST = REALDATA / "olist"
RETAIL = REALDATA / "online_retail" / "online_retail_sample_20k_R.csv"
NOT_SALES = ("canceled", "unavailable")
NON_PRODUCT = {"POST", "DOT", "M", "S", "C2", "D", "BANK CHARGES", "CRUK", "PADS", "AMAZONFEE", "B"}

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REALDATA.is_dir(), reason=f"no real data at {REALDATA}"),
]

EXPECTED_PROFILES = {
    "olist_customers_dataset.csv": ("olist_customers", "loaded"),
    "olist_order_items_dataset.csv": ("olist_order_items", "loaded"),
    "olist_order_payments_dataset.csv": ("olist_order_payments", "skipped"),
    "olist_order_reviews_dataset.csv": ("olist_order_reviews", "loaded"),
    "olist_orders_dataset.csv": ("olist_orders", "loaded"),
    "olist_products_dataset.csv": ("olist_products", "skipped"),
    "product_category_name_translation.csv": ("olist_category_translation", "skipped"),
    "online_retail_sample_20k_R.csv": ("online_retail", "loaded"),
}


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture(scope="module")
def olist_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("olist") / "warehouse.duckdb"
    results = ingest_paths(sorted(OLIST.glob("*.csv")), db, settings=Settings(pii_salt=SALT))
    build(db)
    return db, {Path(r.file).name: r for r in results}


@pytest.fixture(scope="module")
def retail_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("retail") / "warehouse.duckdb"
    [result] = ingest_paths([RETAIL], db, settings=Settings(pii_salt=SALT))
    return db, result


def test_every_real_file_is_recognised_and_reconciles(olist_db, retail_db):
    results = {**olist_db[1], RETAIL.name: retail_db[1]}
    assert set(results) == set(EXPECTED_PROFILES)
    for name, r in results.items():
        assert (r.profile, r.status) == EXPECTED_PROFILES[name], r.message
        assert r.rows_read == r.rows_loaded + r.rows_quarantined, name
        if r.status == "loaded":  # one staged row per data row of these files
            source = OLIST / name if name.startswith("olist") else RETAIL
            assert r.rows_read == _read(source).height, name


def test_olist_items_of_cancelled_orders_are_not_facts_and_no_order_is_missing(olist_db):
    db, results = olist_db
    orders, items = _read(OLIST / "olist_orders_dataset.csv"), _read(OLIST / "olist_order_items_dataset.csv")
    not_sales = items.join(orders, on="order_id").filter(pl.col("order_status").is_in(NOT_SALES)).height
    r = results["olist_order_items_dataset.csv"]
    assert (r.rows_loaded, r.rows_quarantined) == (items.height - not_sales, not_sales)
    assert query(db, "select rule, count(*) from meta.quarantine where source = 'orders' group by 1") == [
        ("not_a_fact", not_sales)
    ]
    # every loaded line found its order: time, customer and promise filled from the orders file
    assert query(db, "select count(*) from raw.orders where ordered_at is null or promised_at is null") == [
        (0,)
    ]


def test_olist_repeated_review_ids_are_duplicates(olist_db):
    db, results = olist_db
    reviews = _read(OLIST / "olist_order_reviews_dataset.csv")
    repeats = reviews.height - reviews["review_id"].n_unique()
    r = results["olist_order_reviews_dataset.csv"]
    assert (r.rows_loaded, r.rows_quarantined) == (reviews["review_id"].n_unique(), repeats)
    assert query(db, "select distinct rule from meta.quarantine where source = 'surveys'") == [
        ("duplicate_key",)
    ]


def _all_time(db: Path) -> tuple[Warehouse, Filters]:
    return Warehouse.open(db), Filters(
        date_from=dt.date(2016, 1, 1), date_to=dt.date(2018, 12, 31), compare="none"
    )


def _metrics(db: Path) -> dict[str, dict]:
    wh, f = _all_time(db)
    return {r["metric"]: r for r in wh.metrics(f).frame.to_dicts()}


def test_olist_csat_is_top_2_box_of_the_review_scores(olist_db):
    reviews = _read(OLIST / "olist_order_reviews_dataset.csv").unique(
        "review_id", keep="first", maintain_order=True
    )
    scores = reviews["review_score"].cast(pl.Int64)
    expected = 100 * (scores >= 4).sum() / scores.len()
    m = _metrics(olist_db[0])["csat"]
    assert m["n"] == scores.len()
    assert m["value"] == pytest.approx(expected)


def test_olist_on_time_delivery_and_aov(olist_db):
    orders = _read(OLIST / "olist_orders_dataset.csv").filter(~pl.col("order_status").is_in(NOT_SALES))
    items = _read(OLIST / "olist_order_items_dataset.csv")
    sold = orders.join(items.select("order_id").unique(), on="order_id")
    delivered = sold.filter(pl.col("order_delivered_customer_date").is_not_null()).with_columns(
        pl.col("order_delivered_customer_date").str.to_datetime(),
        # the estimate is a date: delivered during that day is on time
        pl.col("order_estimated_delivery_date").str.slice(0, 10).str.to_date(),
    )
    on_time = delivered.filter(
        pl.col("order_delivered_customer_date").dt.date() <= pl.col("order_estimated_delivery_date")
    )
    revenue = items.join(sold.select("order_id"), on="order_id")["price"].cast(pl.Float64).sum()
    m = _metrics(olist_db[0])
    assert m["on_time_delivery"]["n"] == delivered.height
    assert m["on_time_delivery"]["value"] == pytest.approx(100 * on_time.height / delivered.height)
    assert m["aov"]["n"] == sold.height
    assert m["aov"]["value"] == pytest.approx(revenue / sold.height)


def test_olist_shows_not_measured_where_it_has_no_data_issue13(olist_db):
    m = _metrics(olist_db[0])
    for key in (
        "nps",
        "ces",
        "fcr",
        "conversion_rate",
        "return_rate",
        "clv",
        "cost_per_contact",
        "churn_rate",
    ):
        assert m[key]["status"] == "not_measured" and m[key]["value"] is None, key
        assert m[key]["reason"].startswith("not measured by these exports: no "), key
    # Olist's customer_id is per order: nobody is seen buying twice, so churn is not measured
    assert "each order its own customer id" in m["churn_rate"]["reason"]
    coverage = {r["need"]: r["count_rows"] for r in _all_time(olist_db[0])[0].coverage().frame.to_dicts()}
    assert coverage["contacts"] == coverage["sessions"] == coverage["nps"] == 0


def test_online_retail_cancellations_and_non_products_are_not_facts(retail_db):
    db, r = retail_db
    lines = _read(RETAIL).with_columns(pl.col("Quantity").cast(pl.Int64))
    is_cancel = pl.col("InvoiceNo").str.starts_with("C")
    not_product = pl.col("StockCode").is_in(NON_PRODUCT) | pl.col("StockCode").str.starts_with("gift_")
    not_facts = lines.filter(is_cancel | not_product).height
    adjustments = lines.filter(~is_cancel & ~not_product & (pl.col("Quantity") < 0)).height
    assert query(db, "select rule, count(*) from meta.quarantine group by 1 order by 1") == [
        ("negative_quantity", adjustments),
        ("not_a_fact", not_facts),
    ]
    assert (r.rows_loaded, r.rows_quarantined) == (
        lines.height - not_facts - adjustments,
        not_facts + adjustments,
    )
    assert query(db, "select count(*) from raw.orders where order_id like 'C%' or quantity < 0") == [(0,)]
    # NA customers are anonymous sales, not a customer called "NA"
    anonymous = lines.filter(
        ~is_cancel & ~not_product & (pl.col("Quantity") >= 0) & (pl.col("CustomerID") == "NA")
    )
    assert query(db, "select count(*) from raw.orders where customer_id is null") == [(anonymous.height,)]
    [(first, last)] = query(db, "select min(ordered_at), max(ordered_at) from raw.orders")
    assert dt.datetime(2010, 12, 1) <= first < last < dt.datetime(2011, 12, 10)  # the dataset's span
