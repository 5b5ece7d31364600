# ruff: noqa: E501 - expected rows and inline exports, one per line
"""Exports that split an order over files (Olist) and invoice lines with non-facts (UCI Online
Retail): lookups at ingest, load order within one invocation, refusal when nothing can be looked
up, cancellations and non-product lines quarantined as not_a_fact."""

from __future__ import annotations

import datetime as dt
import textwrap

from .exports import query

# Olist's own layout: ids quoted, a byte-order mark, CRLF endings and no final newline.
OLIST_ORDERS = (
    "\ufefforder_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date\r\n"
    '"0a1",c1,delivered,2018-01-02 10:00:00,2018-01-02 10:10:00,2018-01-03 09:00:00,2018-01-09 15:00:00,2018-01-09 00:00:00\r\n'
    '"0b2",c2,delivered,2018-01-03 11:00:00,,,2018-01-20 08:00:00,2018-01-15 00:00:00\r\n'
    '"0c3",c3,canceled,2018-01-04 12:00:00,,,,2018-01-25 00:00:00\r\n'
    '"0d4",c4,shipped,2018-01-05 12:00:00,,2018-01-06 12:00:00,,2018-01-25 00:00:00'
)
OLIST_ITEMS = textwrap.dedent("""\
    order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value
    0a1,1,p1,s1,2018-01-05 10:00:00,50.0,8.5
    0a1,2,p2,s1,2018-01-05 10:00:00,25.5,8.5
    0b2,1,p1,s2,2018-01-06 10:00:00,100.0,12.0
    0c3,1,p3,s3,2018-01-07 10:00:00,10.0,3.0
    0zz,1,p3,s3,2018-01-07 10:00:00,10.0,3.0
    """)


def test_order_items_look_up_their_order(write, ingest, db):
    # items given first: the invocation loads the orders file before them
    items, orders = (
        write("olist_order_items_dataset.csv", OLIST_ITEMS),
        write("olist_orders_dataset.csv", OLIST_ORDERS),
    )
    first, second = ingest(items, orders)
    assert (first.profile, first.source, first.rows_read, first.rows_loaded) == (
        "olist_orders",
        "order_headers",
        4,
        4,
    )
    assert (second.profile, second.rows_read, second.rows_loaded, second.rows_quarantined) == (
        "olist_order_items", 5, 3, 2,
    )  # fmt: skip
    assert query(
        db,
        "select order_id, line_no, ordered_at, customer_id, channel, store_id, quantity, unit_price, currency, "
        "promised_at, delivered_at from raw.orders order by 1, 2",
    ) == [
        ("0a1", 1, dt.datetime(2018, 1, 2, 10), "c1", "marketplace", "olist", 1, 50.0, "BRL",
         dt.datetime(2018, 1, 9, 23, 59, 59), dt.datetime(2018, 1, 9, 15)),  # on time: delivered on the estimated day
        ("0a1", 2, dt.datetime(2018, 1, 2, 10), "c1", "marketplace", "olist", 1, 25.5, "BRL",
         dt.datetime(2018, 1, 9, 23, 59, 59), dt.datetime(2018, 1, 9, 15)),
        ("0b2", 1, dt.datetime(2018, 1, 3, 11), "c2", "marketplace", "olist", 1, 100.0, "BRL",
         dt.datetime(2018, 1, 15, 23, 59, 59), dt.datetime(2018, 1, 20, 8)),  # late
    ]  # fmt: skip
    assert query(db, "select row_number, rule, message from meta.quarantine order by 1") == [
        (4, "not_a_fact", "row is not a fact of this source (an expected exclusion, not an error) (found item "
         "of a cancelled or unavailable order, not a sale (order_status=cancelled))"),
        (5, "missing_reference", "row refers to a record that is not loaded; load that file first (found order_id "
         "0zz is not in order_headers (load the Olist orders file (olist_orders_dataset.csv, profile olist_orders) "
         "first))"),
    ]  # fmt: skip
    assert query(db, "select status, count(*) from raw.order_headers group by 1 order by 1") == [
        ("cancelled", 1), ("delivered", 2), ("shipped", 1),
    ]  # fmt: skip


def test_items_without_any_of_their_orders_are_refused_and_can_come_back(write, ingest, db):
    items = write("olist_order_items_dataset.csv", OLIST_ITEMS)
    [refused] = ingest(items)
    assert refused.status == "refused"
    assert "none of its 5 rows' order_id is in order_headers: load the Olist orders file" in refused.message
    assert query(db, "select count(*) from raw.orders") == [(0,)]
    ingest(write("olist_orders_dataset.csv", OLIST_ORDERS))
    [loaded] = ingest(items)  # not a duplicate: the refusal recorded nothing as loaded
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 3)


def test_olist_customers_and_reviews(write, ingest, db):
    customers = write(
        "olist_customers_dataset.csv",
        "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state\n"
        "c1,u1,01310,sao paulo,SP\nc2,u1,20231,rio de janeiro,RJ\n",
    )
    reviews = write(
        "olist_order_reviews_dataset.csv",
        "review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date,"
        'review_answer_timestamp\nr1,0a1,5,,"Chegou antes do prazo,\nrecomendo",2018-01-10 00:00:00,2018-01-11 '
        "09:30:00\nr2,0b2,1,,,2018-01-21 00:00:00,2018-01-22 10:00:00\nr1,0b2,1,,,2018-01-21 00:00:00,"
        "2018-01-22 10:00:00\nr3,0d4,0,,,2018-01-21 00:00:00,2018-01-22 10:00:00\n",
    )
    c, r = ingest(customers, reviews)
    assert (c.profile, c.rows_loaded) == ("olist_customers", 2)
    assert query(db, "select customer_id, tier, tier_since, region from raw.customers order by 1") == [
        ("c1", "none", dt.date(2000, 1, 1), "SP"),
        ("c2", "none", dt.date(2000, 1, 1), "RJ"),
    ]
    assert (r.profile, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("olist_order_reviews", 4, 2, 2)
    assert query(
        db, "select response_id, survey, score, order_id, touchpoint, comment from raw.surveys order by 1"
    ) == [
        ("r1", "csat", 5, "0a1", "fulfillment", "Chegou antes do prazo,\nrecomendo"),
        ("r2", "csat", 1, "0b2", "fulfillment", None),
    ]
    assert query(db, "select row_number, rule from meta.quarantine order by 1") == [
        (3, "duplicate_key"),  # a repeated review id
        (4, "score_out_of_scale"),
    ]


def test_olist_files_that_feed_no_source_are_skipped_not_refused(write, ingest, db):
    [r] = ingest(write("olist_order_payments_dataset.csv", "order_id,payment_sequential,payment_type,"
                       "payment_installments,payment_value\n0a1,1,credit_card,2,84.5\n"))  # fmt: skip
    assert (r.status, r.profile, r.rows_read) == ("skipped", "olist_order_payments", 0)
    assert "feeds no source" in r.message
    assert query(db, "select status, profile from meta.file_loads") == [("skipped", "olist_order_payments")]


ONLINE_RETAIL = (
    '\ufeff"InvoiceNo","StockCode","Description","Quantity","InvoiceDate","UnitPrice","CustomerID","Country"\r\n'
    '"536365","85123A","WHITE HANGING HEART T-LIGHT HOLDER",6,"12/1/2010 8:26",2.55,17850,"United Kingdom"\r\n'
    '"536365","71053","WHITE METAL LANTERN",6,"12/1/2010 8:26",3.39,17850,"United Kingdom"\r\n'
    '"536365","POST","POSTAGE",1,"12/1/2010 8:26",18,17850,"United Kingdom"\r\n'
    '"C536379","D","Discount",-1,"12/1/2010 9:41",27.5,14527,"United Kingdom"\r\n'
    '"C536383","35004C","SET OF 3 COLOURED  FLYING DUCKS",-1,"12/1/2010 9:49",4.65,15311,"United Kingdom"\r\n'
    '"536414","22139","damaged",-56,"12/1/2010 11:52",0,NA,"United Kingdom"\r\n'
    '"536415","22139","£ RETROSPOT TEA SET",2,"12/13/2010 11:57",4.95,NA,"United Kingdom"\r\n'
)


def test_online_retail_lines(write, ingest, db):
    [r] = ingest(write("Online Retail.csv", ONLINE_RETAIL))
    assert (r.profile, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("online_retail", 7, 3, 4), (
        r.message
    )
    assert "ordered_at read month-first (values with a day above 12 second)" in r.message
    assert query(
        # line_no: a number from the line's content (no line id in the export), 1 or more
        db, "select order_id, line_no >= 1, sku, quantity, unit_price, customer_id, ordered_at, channel, store_id "
        "from raw.orders order by _row_number"
    ) == [
        ("536365", True, "85123A", 6, 2.55, "17850", dt.datetime(2010, 12, 1, 8, 26), "web", "online-retail"),
        ("536365", True, "71053", 6, 3.39, "17850", dt.datetime(2010, 12, 1, 8, 26), "web", "online-retail"),
        ("536415", True, "22139", 2, 4.95, None, dt.datetime(2010, 12, 13, 11, 57), "web", "online-retail"),  # NA
    ]  # fmt: skip
    assert query(db, "select row_number, rule, value from meta.quarantine order by 1") == [
        (3, "not_a_fact", "not a product line (postage, manual entry, samples, discount, fees) (sku=POST)"),
        (
            4,
            "not_a_fact",
            "cancellation invoice (reverses an earlier sale it is not linked to) (order_id=C536379)",
        ),
        (
            5,
            "not_a_fact",
            "cancellation invoice (reverses an earlier sale it is not linked to) (order_id=C536383)",
        ),
        (6, "negative_quantity", "-56"),  # a stock adjustment, not a C invoice: stays an error
    ]


def test_online_retail_ii_day_first_file(write, ingest, db):
    text = textwrap.dedent("""\
        Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
        489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,01/12/2009 07:45,6.95,13085,United Kingdom
        489435,22350,CAT BOWL,12,13/12/2009 07:46,2.55,13085,United Kingdom
        """)
    [r] = ingest(write("online_retail_II.csv", text))
    assert (r.profile, r.rows_loaded) == ("online_retail_ii", 2), r.message
    assert "day-first" in r.message
    assert query(db, "select ordered_at from raw.orders order by 1") == [
        (dt.datetime(2009, 12, 1, 7, 45),),
        (dt.datetime(2009, 12, 13, 7, 46),),
    ]


def test_load_order_reads_only_the_header_of_compressed_items(write, ingest, db):
    import gzip

    items = write("olist_order_items_dataset.csv.gz", gzip.compress(OLIST_ITEMS.encode()))
    first, second = ingest(items, write("olist_orders_dataset.csv", OLIST_ORDERS))
    assert (first.profile, second.profile, second.rows_loaded) == ("olist_orders", "olist_order_items", 3)
