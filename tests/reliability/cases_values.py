"""Corpus cases about values: types, number and date formats, time zones, the future, scales, ranges,
enums, personal data, formula-like text, a 10 MB field, and duplicate keys and files."""

from __future__ import annotations

from tests.reliability import builders as b
from tests.reliability.outcomes import Case, Duplicate, Loaded, all_of, query_equals

TEN_MB = 10_000_000

ORDERS_LATE = [
    b.variant("orders", "fut-1", ordered_at="2099-01-01 00:00:00"),
    b.variant("orders", "fut-2", promised_at="2099-01-01 00:00:00"),  # a promise may lie ahead
    b.variant("orders", "fut-3", delivered_at="2099-01-01 00:00:00"),
]

SURVEY_SCORES = [
    ("nps", "11"),
    ("csat", "0"),
    ("ces", "8"),
    ("nps", "0"),
    ("nps", "10"),
    ("csat", "1"),
    ("csat", "5"),
    ("ces", "1"),
    ("ces", "7"),
]

VALUE_CASES: list[Case] = [
    # -- values -----------------------------------------------------------------------------------
    Case(
        "order_headers_bad_status_and_dates",
        "order_headers",
        "order_headers_bad.csv",
        b.csv_bytes(
            b.table(
                "order_headers",
                [
                    b.variant("order_headers", "oh1", status="lost_in_space"),
                    b.variant("order_headers", "oh2", ordered_at="01/03/2024 10:00"),
                    b.variant("order_headers", "oh3", delivered_at="2099-01-01 00:00:00"),
                    b.variant("order_headers", "oh4", promised_at="2099-01-01 00:00:00"),  # may lie ahead
                ],
            )
        ),
        Loaded(1, {"unknown_value": 1, "unparseable_timestamp": 1, "timestamp_in_future": 1}),
    ),
    Case(
        "wrong_types",
        "orders",
        "orders_types.csv",
        b.csv_bytes(
            b.table(
                "orders",
                [
                    b.variant("orders", "ty1", quantity="two"),
                    b.variant("orders", "ty2", line_no="1.5"),
                    b.variant("orders", "ty3", unit_price="abc"),
                    b.variant("orders", "ty4", discount="10%"),
                    b.variant("orders", "ty5", quantity="2.0", unit_price="1.5e1"),  # spreadsheet forms: fine
                ],
            )
        ),
        Loaded(1, {"unparseable_integer": 2, "unparseable_number": 2}),
    ),
    Case(
        "thousands_separators",
        "orders",
        "orders_thousands.csv",
        b.csv_bytes(
            b.table(
                "orders",
                [
                    b.variant("orders", "th1", unit_price="1,234.50"),
                    b.variant("orders", "th2", quantity="1,000"),
                    b.variant("orders", "th3", unit_price="1234.50"),
                ],
            )
        ),
        Loaded(
            1,
            {"unparseable_number": 1, "unparseable_integer": 1},
            quarantine_words=("no thousands separators", "found 1,234.50"),
        ),
    ),
    Case(
        "decimal_commas",
        "contacts",
        "contacts_decimal_comma.csv",
        b.csv_bytes(
            b.table(
                "contacts",
                [b.variant("contacts", "dc1", handle_seconds="300,5"), b.variant("contacts", "dc2")],
            ),
            ";",
        ),
        Loaded(1, {"unparseable_number": 1}, quarantine_words=("decimal commas",)),
    ),
    Case(
        "not_a_number_and_infinity",
        "orders",
        "orders_nan.csv",
        b.csv_bytes(
            b.table(
                "orders",
                [
                    b.variant("orders", "nan1", unit_price="NaN"),
                    b.variant("orders", "nan2", unit_price="inf"),
                    b.variant("orders", "nan3", unit_price="1e2"),
                ],
            )
        ),
        Loaded(1, {"unparseable_number": 2}),
    ),
    Case(
        "timestamps_in_other_formats_and_time_zones",
        "surveys",
        "surveys_times.csv",
        b.csv_bytes(
            b.table(
                "surveys",
                [
                    b.variant("surveys", "tz1", answered_at="06/03/2024 08:00"),
                    b.variant("surveys", "tz2", answered_at="March 6, 2024 08:00"),
                    b.variant("surveys", "tz3", answered_at="2024-03-06 08:00:00 CET"),
                    b.variant("surveys", "tz4", answered_at="2024-03-06T10:00:00+02:00"),
                    b.variant("surveys", "tz5", answered_at="2024-03-06T08:00:00Z"),
                    b.variant("surveys", "tz6", answered_at="2024-03-06 03:00:00-0500"),
                ],
            )
        ),
        Loaded(
            3,
            {"unparseable_timestamp": 3},
            quarantine_words=("YYYY-MM-DD HH:MM:SS", "not day-first"),
            check=query_equals(
                "select distinct strftime(answered_at, '%Y-%m-%d %H:%M:%S') from raw.surveys "
                "where response_id in ('tz4', 'tz5', 'tz6')",
                [("2024-03-06 08:00:00",)],
            ),
        ),
    ),
    Case(
        "dates_in_other_formats",
        "customers",
        "customers_dates.csv",
        b.csv_bytes(
            b.table(
                "customers",
                [
                    b.variant("customers", "d1", tier_since="15/06/2023"),
                    b.variant("customers", "d2", tier_since="2023-02-29"),
                    b.variant("customers", "d3", enrolled_at="2023-06-15 00:00:00"),  # a spreadsheet's date
                ],
            )
        ),
        Loaded(1, {"unparseable_date": 2}, quarantine_words=("YYYY-MM-DD",)),
    ),
    Case(
        "timestamps_in_the_future",
        "orders",
        "orders_future.csv",
        b.csv_bytes(b.table("orders", ORDERS_LATE)),
        Loaded(1, {"timestamp_in_future": 2}),
    ),
    Case(
        "timestamps_before_2000",
        "sessions",
        "sessions_1999.csv",
        b.csv_bytes(
            b.table(
                "sessions",
                [
                    b.variant("sessions", "y2k1", started_at="1999-12-31 23:59:59"),
                    b.variant("sessions", "y2k2"),
                ],
            )
        ),
        Loaded(1, {"timestamp_before_2000": 1}),
    ),
    Case(
        "scores_off_scale",
        "surveys",
        "surveys_scores.csv",
        b.csv_bytes(
            b.table(
                "surveys",
                [b.variant("surveys", f"sc{i}", survey=s, score=v) for i, (s, v) in enumerate(SURVEY_SCORES)],
            )
        ),
        Loaded(6, {"score_out_of_scale": 3}, quarantine_words=("nps 0-10, csat 1-5, ces 1-7",)),
    ),
    Case(
        "negative_quantities",
        "orders",
        "orders_negative.csv",
        b.csv_bytes(
            b.table(
                "orders",
                [
                    b.variant("orders", "neg1", quantity="-1", returned_quantity="1"),
                    b.variant("orders", "neg2", quantity="1", returned_quantity="1"),  # a return: fine
                    b.variant("orders", "neg3", returned_quantity="-2"),
                ],
            )
        ),
        Loaded(
            1,
            {"negative_quantity": 1, "out_of_range": 1},
            quarantine_words=("a return is given by returned_quantity",),
        ),
    ),
    Case(
        "unknown_enum_values",
        "contacts",
        "contacts_enums.csv",
        b.csv_bytes(
            b.table(
                "contacts",
                [
                    b.variant("contacts", "en1", channel="fax"),
                    b.variant("contacts", "en2", reason="complaint"),
                    b.variant("contacts", "en3", channel=" CHAT ", resolved_by="Agent"),  # trimmed, any case
                ],
            )
        ),
        Loaded(1, {"unknown_value": 2}),
    ),
    Case(
        "missing_required_values",
        "stores",
        "stores_missing.csv",
        b.csv_bytes(
            b.table("stores", [b.variant("stores", "mv1", name=""), b.variant("stores", "mv2", region="   ")])
        ),
        Loaded(0, {"missing_required": 2}),
    ),
    Case(
        "values_out_of_range",
        "roadmap",
        "roadmap_range.csv",
        b.csv_bytes(
            b.table(
                "roadmap",
                [
                    b.variant("roadmap", "rg1", complexity="9", percent_complete="150"),
                    b.variant("roadmap", "rg2"),
                ],
            )
        ),
        Loaded(1, {"out_of_range": 2}, rows_quarantined=1),
    ),
    Case(
        "cost_assumptions_bad_values",
        "cost_assumptions",
        "cost_assumptions_bad.csv",
        b.csv_bytes(
            b.table(
                "cost_assumptions",
                [
                    b.variant("cost_assumptions", "ca1", value="0,4"),
                    b.variant("cost_assumptions", "ca2", version="0"),
                ],
            )
        ),
        Loaded(0, {"unparseable_number": 1, "out_of_range": 1}),
    ),
    Case(
        "checkins_bad_values",
        "roadmap_checkins",
        "checkins_bad.csv",
        b.csv_bytes(
            b.table(
                "roadmap_checkins",
                [
                    b.variant("roadmap_checkins", "ck", percent_complete="-5"),
                    b.variant("roadmap_checkins", "ck", row=2, status="paused"),
                ],
            )
        ),
        Loaded(0, {"out_of_range": 1, "unknown_value": 1}),
    ),
    Case(
        "personal_data_with_a_bad_row",
        "customers",
        "customers_pii.csv",
        b.csv_bytes(
            b.table(
                "customers",
                [
                    b.variant("customers", "pii1", marketing_opt_in="maybe"),
                    b.variant("customers", "pii2", row=2),
                ],
            )
        ),
        Loaded(
            1,
            {"unparseable_boolean": 1},
            check=all_of(
                query_equals(
                    "select count(*) from meta.quarantine "
                    "where record like '%example.com%' or record like '%7946%'",
                    [(0,)],
                ),
                query_equals("select count(*) from raw.customers where email_hash like '%@%'", [(0,)]),
            ),
        ),
    ),
    Case(
        "formula_like_values",  # loaded as text; exports neutralise them (tests/reliability/test_exports.py)
        "stores",
        "stores_formulas.csv",
        b.csv_bytes(
            b.table(
                "stores",
                [
                    b.variant("stores", "fx1", name='=HYPERLINK("http://evil.example","x")'),
                    b.variant("stores", "fx2", name="@SUM(1+1)", format="+cmd"),
                ],
            )
        ),
        Loaded(
            2,
            check=query_equals(
                "select name from raw.stores where store_id = 'fx1'",
                [('=HYPERLINK("http://evil.example","x")',)],
            ),
        ),
    ),
    Case(
        "a_10_mb_field",  # loaded: a long comment is a comment
        "surveys",
        "surveys_huge_field.csv",
        lambda: b.csv_bytes(b.table("surveys", [b.variant("surveys", "big1", comment="x" * TEN_MB)])),
        Loaded(
            1,
            check=query_equals(
                "select length(comment) from raw.surveys where response_id = 'big1'", [(TEN_MB,)]
            ),
        ),
    ),
    Case(
        "a_10_mb_value_in_a_bad_row",  # issue 11: kept once (the record), shown cut
        "orders",
        "orders_huge_value.csv",
        lambda: b.csv_bytes(
            b.table("orders", [b.variant("orders", "hv1", quantity="9" * TEN_MB), b.variant("orders", "hv2")])
        ),
        Loaded(
            1,
            {"unparseable_integer": 1},
            quarantine_words=("(found 9999999999", "... (+9,999,800 characters))"),
            check=query_equals(
                "select length(value), length(message) < 400, length(record) > ? "
                "from meta.quarantine where file_name = 'orders_huge_value.csv'",
                [(200 + len("... (+9,999,800 characters)"), True, True)],
                TEN_MB,
            ),
        ),
    ),
    Case(
        "a_10_mb_key_repeated",  # the key a duplicate_key message quotes is cut too
        "contacts",
        "contacts_huge_key.csv",
        lambda: b.csv_bytes(
            b.table(
                "contacts", [b.variant("contacts", "k" * TEN_MB), b.variant("contacts", "k" * TEN_MB, row=2)]
            )
        ),
        Loaded(1, {"duplicate_key": 1}, quarantine_words=("contact_id=kkkk", "characters) repeats row 1")),
    ),
    # -- duplicates -------------------------------------------------------------------------------
    Case(
        "duplicate_keys_within_the_file",
        "contacts",
        "contacts_dupes.csv",
        b.csv_bytes(b.table("contacts", [b.variant("contacts", "dk1"), b.variant("contacts", "dk1", row=2)])),
        Loaded(1, {"duplicate_key": 1}, quarantine_words=("repeats row 1 of this file",)),
    ),
    Case(
        "duplicate_keys_across_files",
        "orders",
        "orders_again.csv",
        b.csv_bytes(b.table("orders", [b.rows("orders")[0], b.variant("orders", "new1")])),
        Loaded(1, {"duplicate_key": 1}, quarantine_words=("was already loaded from orders.csv",)),
    ),
    Case(
        "same_rows_other_bytes",  # re-saved with CRLF: a new file, every key already loaded
        "orders",
        "orders_resaved.csv",
        b.csv_bytes(b.table("orders", b.rows("orders")), eol="\r\n"),
        Loaded(0, {"duplicate_key": 2}),
    ),
    Case(
        "same_file_under_another_name",
        "stores",
        "stores_copy.csv",
        b.base_bytes("stores"),
        Duplicate(of="stores.csv"),
    ),
]
