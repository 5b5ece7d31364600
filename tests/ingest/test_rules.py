"""Every quality rule: a valid/invalid fixture pair, asserting which rule fired on which row and column."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.quality.suites import RULES

from .exports import BASE, csv_with, quarantined, query

# rule, source, column the rule names, values of row 2 that pass, values of row 2 that break it
PAIRS = [
    ("missing_required", "orders", "sku", {"sku": "SKU9"}, {"sku": "  "}),
    (
        "missing_required",
        "surveys",
        "answered_at",
        {"answered_at": "2024-03-06 10:00:00"},
        {"answered_at": ""},
    ),
    ("unparseable_integer", "orders", "quantity", {"quantity": "3"}, {"quantity": "two"}),
    ("unparseable_integer", "surveys", "score", {"score": "4.0"}, {"score": "4.5"}),
    ("unparseable_number", "orders", "unit_price", {"unit_price": "1.5e1"}, {"unit_price": "12,50"}),
    (
        "unparseable_number",
        "contacts",
        "handle_seconds",
        {"handle_seconds": "270"},
        {"handle_seconds": "4m30s"},
    ),
    (
        "unparseable_timestamp",
        "orders",
        "ordered_at",
        {"ordered_at": "2024-02-29T10:00:00+01:00"},
        {"ordered_at": "2023-02-29 10:00:00"},
    ),
    (
        "unparseable_timestamp",
        "contacts",
        "opened_at",
        {"opened_at": "2024-03-05T14:00:00Z"},
        {"opened_at": "yesterday"},
    ),
    (
        "unparseable_date",
        "customers",
        "tier_since",
        {"tier_since": "2023-02-28"},
        {"tier_since": "2023-02-30"},
    ),
    (
        "unparseable_boolean",
        "customers",
        "marketing_opt_in",
        {"marketing_opt_in": "Yes"},
        {"marketing_opt_in": "maybe"},
    ),
    ("unknown_value", "orders", "channel", {"channel": " WEB "}, {"channel": "fax"}),
    ("unknown_value", "customers", "tier", {"tier": "none"}, {"tier": "diamond"}),
    ("out_of_range", "orders", "unit_price", {"unit_price": "0"}, {"unit_price": "-1.00"}),
    ("out_of_range", "roadmap", "complexity", {"complexity": "5"}, {"complexity": "6"}),
    ("out_of_range", "orders", "line_no", {"line_no": "1"}, {"line_no": "0"}),
    (
        "score_out_of_scale",
        "surveys",
        "score",
        {"survey": "csat", "score": "5"},
        {"survey": "csat", "score": "6"},
    ),
    (
        "score_out_of_scale",
        "surveys",
        "score",
        {"survey": "nps", "score": "0"},
        {"survey": "nps", "score": "11"},
    ),
    (
        "score_out_of_scale",
        "surveys",
        "score",
        {"survey": "ces", "score": "7"},
        {"survey": "ces", "score": "0"},
    ),
    ("negative_quantity", "orders", "quantity", {"quantity": "0"}, {"quantity": "-2"}),
    (
        "timestamp_in_future",
        "orders",
        "ordered_at",
        {"ordered_at": "2024-03-02 11:30:00"},
        {"ordered_at": "2999-01-01 00:00:00"},
    ),
    (
        "timestamp_in_future",
        "roadmap_checkins",
        "checkin_date",
        {"checkin_date": "2024-06-01"},
        {"checkin_date": "2999-06-01"},
    ),
    (
        "timestamp_before_2000",
        "orders",
        "ordered_at",
        {"ordered_at": "2000-01-01 00:00:00"},
        {"ordered_at": "1999-12-31 23:59:59"},
    ),
    (
        "timestamp_before_2000",
        "customers",
        "tier_since",
        {"tier_since": "2000-01-01"},
        {"tier_since": "1999-12-31"},
    ),
    (
        "duplicate_key",
        "orders",
        "order_id,line_no",
        {"order_id": "O1", "line_no": "2"},
        {"order_id": "O1", "line_no": "01"},
    ),
    ("duplicate_key", "contacts", "contact_id", {"contact_id": "K3"}, {"contact_id": "K1"}),
]


# Rules only a vendor profile's rules raise: (rule, column, exports loaded first, the export whose
# row 2 passes, the same export whose row 2 breaks the rule).
ORDERS_HEADER = "order_id,customer_id,order_status,order_purchase_timestamp,order_estimated_delivery_date\n"
ITEMS = "order_id,order_item_id,product_id,seller_id,price\nO1,1,P1,S1,10.0\nO{},1,P2,S1,5.0\n"
RETAIL = (
    "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
    "1,A1,1,2011-01-02 10:00:00,1.0,7\n2,{},1,2011-01-02 11:00:00,2.0,7\n"
)
PROFILE_PAIRS = [
    ("not_a_fact", "not_a_fact", {}, RETAIL.format("85123A"), RETAIL.format("POST")),
    (
        "missing_reference",
        "missing_reference",
        {
            "olist_orders.csv": ORDERS_HEADER + "O1,c1,delivered,2018-01-01 10:00:00,2018-01-09 00:00:00\n"
            "O2,c2,delivered,2018-01-01 11:00:00,2018-01-09 00:00:00\n"
        },
        ITEMS.format("2"),
        ITEMS.format("3"),
    ),
]


def test_every_rule_has_a_pair():
    assert {p[0] for p in PAIRS} | {p[0] for p in PROFILE_PAIRS} == set(RULES)


@pytest.mark.parametrize(
    ("rule", "column", "first", "good", "bad"), PROFILE_PAIRS, ids=[p[0] for p in PROFILE_PAIRS]
)
def test_profile_rule_pair(rule, column, first, good, bad, write, ingest, tmp_path):
    for name, db in (("valid", tmp_path / "valid.duckdb"), ("invalid", tmp_path / "invalid.duckdb")):
        for file_name, text in first.items():
            [loaded] = ingest(write(f"{name}_{file_name}", text), into=db)
            assert loaded.status == "loaded", loaded.message
        [r] = ingest(write(f"{name}.csv", good if name == "valid" else bad), into=db)
        assert r.status == "loaded", r.message
        if name == "valid":
            assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0), r.message
            assert query(db, f"select count(*) from meta.quarantine where file_name = '{name}.csv'") == [(0,)]
        else:
            assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1), r.message
            assert query(
                db,
                f"select row_number, rule, column_name from meta.quarantine where file_name = '{name}.csv'",
            ) == [(2, rule, column)]


def test_a_row_that_is_not_a_fact_reports_only_that(write, ingest, db):
    # a cancellation line breaks negative_quantity too; the data-quality page must see one expected
    # exclusion, not an error
    [r] = ingest(write("retail.csv", RETAIL.format("85123A").replace("\n2,85123A,1,", "\nC2,85123A,-1,")))
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert quarantined(db) == [(2, "not_a_fact", "not_a_fact")]


@pytest.mark.parametrize(
    ("rule", "source", "column", "good", "bad"), PAIRS, ids=[f"{p[0]}-{p[1]}.{p[2]}" for p in PAIRS]
)
def test_rule_pair(rule, source, column, good, bad, write, ingest, tmp_path):
    valid_db, invalid_db = tmp_path / "valid.duckdb", tmp_path / "invalid.duckdb"
    [valid] = ingest(write(f"{source}_valid.csv", csv_with(source, **good)), into=valid_db)
    assert valid.status == "loaded", valid.message
    assert (valid.rows_read, valid.rows_loaded, valid.rows_quarantined) == (2, 2, 0), valid.message
    assert quarantined(valid_db) == []

    [invalid] = ingest(write(f"{source}_invalid.csv", csv_with(source, **bad)), into=invalid_db)
    assert invalid.status == "loaded", invalid.message
    assert (invalid.rows_read, invalid.rows_loaded, invalid.rows_quarantined) == (2, 1, 1), invalid.message
    assert quarantined(invalid_db) == [(2, rule, column)]
    assert query(invalid_db, f"select _row_number from raw.{source}") == [(1,)]


def test_row_with_several_defects_is_counted_once(write, ingest, db):
    text = csv_with("orders", quantity="-3", channel="fax", unit_price="abc", sku="")
    [r] = ingest(write("orders.csv", text))
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    assert quarantined(db) == [
        (2, "missing_required", "sku"),
        (2, "negative_quantity", "quantity"),
        (2, "unknown_value", "channel"),
        (2, "unparseable_number", "unit_price"),
    ]


def test_quarantine_row_says_what_and_where(write, ingest, db):
    [r] = ingest(write("orders.csv", csv_with("orders", channel="Fax ")))
    [(file_name, source, value, message, record, file_id)] = query(
        db, "select file_name, source, value, message, record, file_id from meta.quarantine"
    )
    assert (file_name, source, value) == ("orders.csv", "orders", "Fax")
    assert message == "channel must be one of: store, web, app, marketplace, phone (found Fax)"
    assert '"channel":"Fax "' in record and '"order_id":"O2"' in record
    assert len(file_id) == 64


def test_enum_values_are_trimmed_and_lower_cased(write, ingest, db):
    ingest(write("orders.csv", csv_with("orders", channel="  StOrE ", fulfillment="BOPIS")))
    assert query(db, "select channel, fulfillment from raw.orders where order_id = 'O2'") == [
        ("store", "bopis")
    ]


def test_timestamps_with_offset_are_converted_to_utc(write, ingest, db):
    ingest(write("orders.csv", csv_with("orders", ordered_at="2024-03-02T11:30:00+02:00")))
    assert query(db, "select ordered_at from raw.orders where order_id = 'O2'") == [
        (dt.datetime(2024, 3, 2, 9, 30),)
    ]


def test_planned_and_historic_dates_are_allowed_where_the_contract_says_so(write, ingest, db):
    [stores] = ingest(write("stores.csv", csv_with("stores")))  # opened 1998 and 2030
    [orders] = ingest(write("orders.csv", csv_with("orders", row=1, promised_at="2999-01-01 00:00:00")))
    assert (stores.rows_quarantined, orders.rows_quarantined) == (0, 0)


def test_key_repeated_within_file_keeps_the_first_occurrence(write, ingest, db):
    text = csv_with("contacts", contact_id="K1")
    [r] = ingest(write("contacts.csv", text))
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert query(db, "select _row_number from raw.contacts") == [(1,)]
    [(message,)] = query(db, "select message from meta.quarantine")
    assert message.endswith("contact_id=K1 repeats row 1 of this file")


def test_key_loaded_from_an_earlier_file_is_quarantined(write, ingest, db):
    ingest(write("contacts_march.csv", csv_with("contacts")))
    # K1 unchanged (a duplicate); K2 resolved since its first export (an update: loaded, issue 13.10)
    [r] = ingest(write("contacts_april.csv", csv_with("contacts", row=2, resolved_at="2024-03-06 10:00:00")))
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    assert quarantined(db) == [(1, "duplicate_key", "contact_id")]
    messages = [m for (m,) in query(db, "select message from meta.quarantine order by row_number")]
    assert messages[0].endswith("contact_id=K1 was already loaded from contacts_march.csv")


def test_updates_are_the_loaded_rows_of_keys_loaded_before(write, ingest, db):
    """The note on updates counts the rows of a file that loaded and whose key an earlier file
    loaded: not a duplicate (identical, quarantined), not a new key, not a changed row that broke
    a rule (quarantined, so nothing was updated)."""
    header, k1, k2 = BASE["contacts"].splitlines()
    [first] = ingest(write("contacts_march.csv", "\n".join([header, k1, k2]) + "\n"))
    assert "update" not in first.message
    k2_solved = k2.replace(",,,billing", ",,2024-03-06 10:00:00,billing")
    k3 = "K3,T3,C3,,email,2024-03-07 08:00:00,,,billing,60,10,0,none,A1,"
    [second] = ingest(write("contacts_april.csv", "\n".join([header, k1, k2_solved, k3]) + "\n"))
    assert (second.rows_read, second.rows_loaded, second.rows_quarantined) == (3, 2, 1)
    assert "1 rows update records loaded before (the latest export wins)" in second.message
    k2_broken = k2_solved.replace(",phone,", ",pigeon,").replace(",600.5,", ",700,")
    k3_solved = k3.replace(",,,billing", ",,2024-03-07 09:00:00,billing")
    k4 = k3.replace("K3,T3", "K4,T4")
    [third] = ingest(write("contacts_may.csv", "\n".join([header, k2_broken, k3_solved, k4]) + "\n"))
    assert (third.rows_read, third.rows_loaded, third.rows_quarantined) == (3, 2, 1)
    assert "1 rows update records loaded before (the latest export wins)" in third.message
    assert query(db, "select rule from meta.quarantine where file_name = 'contacts_may.csv'") == [
        ("unknown_value",)
    ]
    [fresh] = ingest(write("contacts_june.csv", "\n".join([header, k4.replace("K4,T4", "K5,T5")]) + "\n"))
    assert (fresh.rows_loaded, "update" in fresh.message) == (1, False)


def test_issue_20_key_checks_parse_only_the_keys_of_every_row():
    """Whether a row of a loaded key is a duplicate or an update is decided on every column, but
    those columns are parsed only for rows whose key was loaded before (identical): at 10M lines
    parsing them for every row cost a quarter of the ingest's CPU time."""
    from ingest.contracts import CONTRACTS
    from ingest.loader import _key_violations_sql
    from ingest.quality.sql_checks import compile_suite
    from ingest.quality.suites import suite_config, suite_parameters

    checks = compile_suite(suite_config("orders"), suite_parameters(dt.datetime(2026, 11, 30)))
    [key] = [c for c in checks if c.kind == "unique"]
    sql = _key_violations_sql(CONTRACTS["orders"], key, "STAGE", "EARLIER_KEYS")
    keyed = sql.split("earlier as")[0]
    identical = sql.split("identical as")[1].split("repeated as")[0]
    assert '"order_id"' in keyed and '"line_no"' in keyed
    assert '"ordered_at"' not in keyed and '"unit_price"' not in keyed
    assert '"ordered_at"' in identical and "semi join earlier" in identical
