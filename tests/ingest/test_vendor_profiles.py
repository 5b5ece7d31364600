# ruff: noqa: E501 - expected rows and inline exports, one per line
"""Vendor profiles on hand-made exports with the quirks of real ones: what is detected, what is
loaded (values checked), what is quarantined under which rule, and that the counts reconcile."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from ingest.profiles import detect_profile, load_profiles

from . import vendor_exports as v
from .exports import SALT, query


def _hash(email: str) -> str:
    return hashlib.sha256((SALT + email.strip().lower()).encode()).hexdigest()


def _rules(db, file_name):
    return query(
        db,
        "select row_number, rule, column_name from meta.quarantine where file_name = ? order by 1, 2",
        [file_name],
    )


def _reconciles(*results):
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined, r


def test_shopify_orders(write, ingest, db):
    [r] = ingest(write("orders_export_1.csv", v.shopify_orders()))
    assert (r.profile, r.source, r.rows_read, r.rows_loaded, r.rows_quarantined) == (
        "shopify_orders", "orders", 7, 4, 3,
    ), r.message  # fmt: skip
    rows = query(
        db,
        # line_no: a number from the line's content (the export has no line id), 1 or more
        "select order_id, line_no >= 1, ordered_at, store_id, channel, customer_id, sku, quantity, unit_price, "
        "discount, currency, fulfillment, returned_quantity, return_reason, _row_number "
        "from raw.orders order by _row_number",
    )
    ann, bob, erin = _hash(v.ANN_EMAIL), _hash("bob@example.org"), _hash("erin@example.com")
    assert rows == [
        # continuation row: order fields filled down from the first row; -0500 -> UTC
        ("#1001", True, dt.datetime(2025, 12, 6, 15, 37, 33), "shopify-online", "web", ann, "MUG-1", 2, 12.5, 1.0,
         "USD", "ship_to_home", 0, None, 1),
        ("#1001", True, dt.datetime(2025, 12, 6, 15, 37, 33), "shopify-online", "web", ann, "TEA-2", 1, 4.0, None,
         "USD", "ship_to_home", 0, None, 2),
        # POS order at a location; refunded: every line returned
        ("#1002", True, dt.datetime(2025, 12, 7, 14, 0), "Boston Store", "store", bob, "PEN-3", 3, 2.0, None,
         "USD", "in_store", 3, "refunded", 3),
        # +0100 -> UTC; a custom item without SKU keeps its name as sku
        ("#1006", True, dt.datetime(2025, 12, 11, 7, 15), "shopify-online", "web", erin, "Gift wrapping", 1, 3.0,
         None, "EUR", None, 0, None, 7),
    ]  # fmt: skip
    assert _rules(db, "orders_export_1.csv") == [
        (4, "not_a_fact", "not_a_fact"),  # cancelled
        (5, "not_a_fact", "not_a_fact"),  # Bogus Gateway test order
        (6, "unknown_value", "channel"),  # Source 580111
    ]
    [(message,)] = query(db, "select message from meta.quarantine where row_number = 4")
    assert "cancelled order" in message


def test_shopify_sample_with_columns_cut(write, ingest, db):
    [r] = ingest(write("orders_export.csv", v.shopify_cut()))
    assert (r.profile, r.rows_loaded, r.rows_quarantined) == ("shopify_orders", 2, 0), r.message
    assert query(
        db,
        "select order_id, line_no >= 1, ordered_at, channel, store_id from raw.orders order by _row_number",
    ) == [
        ("#2001", True, dt.datetime(2025, 11, 1, 10), "web", "shopify-online"),
        ("#2001", True, dt.datetime(2025, 11, 1, 10), "web", "shopify-online"),
    ]


def test_zendesk_tickets_feed_contacts_and_csat(write, ingest, db):
    contacts, surveys = ingest(write("tickets.csv", v.zendesk_tickets()))
    assert (contacts.profile, contacts.source, contacts.rows_read, contacts.rows_loaded) == (
        "zendesk_tickets", "contacts", 9, 7,
    ), contacts.message  # fmt: skip
    # surveys: only tickets carrying a rating (Offered / Not Offered / blank are no answer)
    assert (surveys.profile, surveys.source, surveys.rows_read, surveys.rows_loaded) == (
        "zendesk_ticket_satisfaction", "surveys", 6, 3,
    ), surveys.message  # fmt: skip
    _reconciles(contacts, surveys)
    assert query(
        db,
        "select contact_id, ticket_id, channel, opened_at, resolved_at, wait_seconds, reopens, reason "
        "from raw.contacts order by contact_id",
    ) == [
        ("101", "101", "email", dt.datetime(2025, 12, 1, 9), dt.datetime(2025, 12, 1, 10), 1800.0, 0, "other"),
        ("102", "102", "chat", dt.datetime(2025, 12, 1, 11), None, 150.0, 0, "other"),  # 1900 sentinel
        ("103", "103", "phone", dt.datetime(2025, 12, 2, 9), dt.datetime(2025, 12, 3, 9), 1800.0, 2, "other"),
        ("104", "104", "email", dt.datetime(2025, 12, 2, 10), dt.datetime(2025, 12, 2, 12), 1800.0, 0, "other"),
        ("107", "107", "social", dt.datetime(2025, 12, 4, 9), dt.datetime(2025, 12, 4, 10), 1800.0, 0, "other"),
        ("108", "108", "self_service", dt.datetime(2025, 12, 4, 11), dt.datetime(2025, 12, 4, 11, 5), 1800.0, 0,
         "other"),
        ("109", "109", "social", dt.datetime(2025, 12, 5, 11), dt.datetime(2025, 12, 5, 11, 5), 1800.0, 0, "other"),
    ]  # fmt: skip
    assert query(
        db,
        "select response_id, survey, score, contact_id, touchpoint, _row_number from raw.surveys order by 1",
    ) == [
        ("101:csat", "csat", 5, "101", "support", 1),  # Good
        ("103:csat", "csat", 1, "103", "support", 3),  # Bad
        ("104:csat", "csat", 4, "104", "support", 4),  # numeric scale
    ]
    assert query(db, "select source, row_number, rule, column_name from meta.quarantine order by 1, 2") == [
        ("contacts", 5, "not_a_fact", "not_a_fact"),  # Internal Communication
        ("contacts", 6, "unknown_value", "channel"),  # Fax
        ("surveys", 5, "not_a_fact", "not_a_fact"),  # its Good is not a customer's rating
        ("surveys", 7, "unparseable_integer", "score"),  # Great
        ("surveys", 8, "score_out_of_scale", "score"),  # 6 on a 1-5 scale
    ]


def test_a_file_feeding_two_sources_is_a_duplicate_per_source(write, ingest, db):
    path = write("tickets.csv", v.zendesk_tickets())
    ingest(path)
    again = ingest(path)
    assert [(r.source, r.status) for r in again] == [("contacts", "duplicate"), ("surveys", "duplicate")]
    assert query(db, "select count(*) from raw.contacts") == [(7,)]
    # loaded into contacts only (companion not applied): the surveys part still loads later
    db2 = db.parent / "second.duckdb"
    [only] = ingest(path, into=db2, profile="zendesk_tickets", source="contacts")
    assert only.source == "contacts"


def test_zendesk_without_satisfaction_column_loads_contacts_and_says_so(write, ingest, db):
    lines = v.zendesk_tickets().splitlines()
    header = lines[0].split(",")
    drop = header.index("Satisfaction Score")
    text = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines[:3])
    [r] = ingest(write("tickets.csv", text + "\n"))
    assert r.source == "contacts" and r.status == "loaded"
    assert "no surveys from it (lacks satisfaction score" in r.message


def test_qualtrics_three_header_rows_one_row_per_answer(write, ingest, db):
    [r] = ingest(write("survey.csv", v.qualtrics_responses()), questions="csat=Q2,ces=Q3")
    assert (r.profile, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("qualtrics_responses", 9, 6, 3), (
        r.message
    )
    carla = _hash("carla@example.net")
    assert query(
        db, "select response_id, survey, score, customer_id, _row_number from raw.surveys order by 1"
    ) == [
        ("R_1:ces", "ces", 6, carla, 1),
        ("R_1:csat", "csat", 5, carla, 1),
        ("R_1:nps", "nps", 9, carla, 1),  # Q1 is NPS: Q1_NPS_GROUP says so
        ("R_2:nps", "nps", 3, carla, 2),
        ("R_5:csat", "csat", 5, carla, 5),  # "Very satisfied"
        ("R_5:nps", "nps", 10, carla, 5),  # "10 - Extremely likely"
    ]
    assert _rules(db, "survey.csv") == [
        (3, "not_a_fact", "not_a_fact"),  # answered none of the mapped questions
        (4, "not_a_fact", "not_a_fact"),  # survey preview
        (6, "score_out_of_scale", "score"),
    ]
    assert "questions nps=Q1, csat=Q2, ces=Q3" in r.message


def test_qualtrics_without_declared_questions_is_refused_with_how_to(write, ingest, db):
    [r] = ingest(write("survey.csv", v.qualtrics_responses(nps_group=False)))
    assert r.status == "refused" and r.profile == "qualtrics_responses"
    assert "--questions nps=Q1,csat=Q3" in r.message and "'Q1', 'Q2', 'Q3'" in r.message
    assert query(db, "select status from meta.file_loads") == [("refused",)]
    # the NPS_GROUP column alone is enough for the NPS answers
    [nps_only] = ingest(write("survey2.csv", v.qualtrics_responses()))
    assert nps_only.status == "loaded"
    assert query(db, "select distinct survey from raw.surveys") == [("nps",)]


def test_questions_option_errors_are_refusals_of_survey_files_only(write, ingest):
    survey = write("survey.csv", v.qualtrics_responses())
    orders = write("orders_export.csv", v.shopify_cut())
    results = ingest(survey, orders, questions="nps:Q1")
    assert [r.status for r in results] == ["refused", "loaded"]
    assert "write survey=column pairs" in results[0].message


def test_qualtrics_legacy_two_header_rows_with_bom_and_a_questions_file(write, ingest, db):
    path = write("legacy.csv", v.qualtrics_legacy())
    write("legacy.questions.toml", 'nps = "Q1"\ncsat = "Q2"\ntouchpoint = "purchase"\n')
    [r] = ingest(path)
    assert (r.profile, r.rows_read, r.rows_loaded, r.rows_quarantined) == (
        "qualtrics_legacy_responses",
        5,
        2,
        3,
    )
    assert query(db, "select response_id, score, touchpoint, answered_at from raw.surveys order by 1") == [
        ("R_L1:csat", 4, "purchase", dt.datetime(2025, 11, 20, 10, 5)),
        ("R_L1:nps", 8, "purchase", dt.datetime(2025, 11, 20, 10, 5)),
    ]
    # the preview's two answers, and the unanswered response
    assert [row[:2] for row in _rules(db, "legacy.csv")] == [
        (2, "not_a_fact"),
        (2, "not_a_fact"),
        (3, "not_a_fact"),
    ]


@pytest.mark.parametrize("day_first", [False, True], ids=["us", "uk"])
def test_surveymonkey_two_header_rows_questions_by_text(write, ingest, db, day_first):
    [r] = ingest(write("sm.csv", v.surveymonkey(day_first)), questions="nps=recommend,csat=how satisfied")
    assert (r.profile, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("surveymonkey_responses", 5, 4, 1)
    assert ("day-first" if day_first else "month-first") in r.message
    assert query(db, "select response_id, score, answered_at from raw.surveys order by 1") == [
        ("114001:csat", 5, dt.datetime(2023, 11, 14, 10, 12, 33)),
        ("114001:nps", 10, dt.datetime(2023, 11, 14, 10, 12, 33)),
        ("114002:csat", 2, dt.datetime(2023, 11, 15, 14, 5)),
        ("114002:nps", 6, dt.datetime(2023, 11, 15, 14, 5)),
    ]


def test_delighted_json_lines_and_csv(write, ingest, db):
    jsonl, csv = ingest(
        write("responses.jsonl", v.delighted_jsonl()), write("responses.csv", v.delighted_csv())
    )
    assert (jsonl.profile, jsonl.rows_read, jsonl.rows_loaded, jsonl.rows_quarantined) == (
        "delighted_responses", 6, 4, 2,
    )  # fmt: skip
    assert (csv.profile, csv.rows_loaded) == ("delighted_responses", 2)
    bob = _hash("bob@example.org")
    assert query(
        db, "select response_id, survey, score, answered_at, customer_id from raw.surveys order by 1"
    ) == [
        ("c1", "nps", 10, dt.datetime(2024, 12, 5, 12), bob),
        ("c2", "csat", 2, dt.datetime(2024, 12, 6, 12), None),
        ("d1", "nps", 9, dt.datetime(2024, 12, 5, 12), bob),  # Unix seconds -> UTC; person.email hashed
        ("d2", "csat", 4, dt.datetime(2024, 12, 6, 12), _hash("carla@example.net")),
        ("d3", "ces", 6, dt.datetime(2024, 12, 7, 12), None),  # ces2; person is a plain id
        ("d6", "nps", 10, dt.datetime(2024, 12, 8, 12), None),  # no survey_type: NPS
    ]
    assert _rules(db, "responses.jsonl") == [
        (4, "not_a_fact", "not_a_fact"),
        (5, "score_out_of_scale", "score"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("shopify", v.shopify_orders(), "shopify_orders"),
        ("zendesk", v.zendesk_tickets(), "zendesk_tickets"),
        ("qualtrics", v.qualtrics_responses(), "qualtrics_responses"),
        ("surveymonkey", v.surveymonkey(), "surveymonkey_responses"),
        ("delighted", v.delighted_csv(), "delighted_responses"),
    ],
)
def test_detection_from_the_header(name, text, expected):
    header = text.splitlines()[0].split(",")
    assert detect_profile(header, load_profiles()).profile.name == expected


def test_detection_ignores_case_bom_and_custom_columns():
    header = ["\ufeffSummary", "ID", "VIA", "Created At", "STATUS", "Order type [list]", "Note [txt]"]
    assert detect_profile(header, load_profiles()).profile.name == "zendesk_tickets"


def test_unknown_header_names_closest_vendor_profiles():
    header = ["Name", "Created at", "Lineitem qty", "Lineitem price", "Vendor"]
    detection = detect_profile(header, load_profiles())
    assert detection.profile is None
    message = detection.message
    assert message.startswith("header matches no profile; closest: shopify_orders (source orders) needs")
    assert "missing: lineitem quantity" in message
    assert "columns not in those profiles: 'Lineitem qty'" in message
    # the close ones (Shopify's line-level and order-level exports), not every profile of the 20-odd
    assert message.count("(source ") == 2 and "shopify_order_totals (source orders)" in message


def test_companion_profiles_are_not_detected_alone():
    header = ["Id", "Via", "Created at", "Satisfaction Score", "Updated at"]
    detection = detect_profile(header, load_profiles())
    assert detection.profile is None or detection.profile.name != "zendesk_ticket_satisfaction"


def test_qualtrics_xlsx_export_skips_its_extra_header_rows(ingest, db, tmp_path):
    import csv
    import io

    import xlsxwriter

    rows = list(csv.reader(io.StringIO(v.qualtrics_responses())))
    path = tmp_path / "exports" / "survey.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet0")
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    book.close()
    [r] = ingest(path, questions="csat=Q2,ces=Q3")
    assert (r.profile, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("qualtrics_responses", 9, 6, 3), (
        r.message
    )
    assert query(db, "select min(_row_number), max(_row_number) from raw.surveys") == [(1, 5)]
