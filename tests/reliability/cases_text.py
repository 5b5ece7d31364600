"""Corpus cases about the text itself: encodings, delimiters, line ends, quoting, cut-off and empty
files, header rows, and columns extra, missing or reordered."""

from __future__ import annotations

from tests.reliability import builders as b
from tests.reliability.outcomes import Case, Loaded, Refused, query_equals


def _late_latin1_customers() -> bytes:
    """3,000 customers; the last one's region is Latin-1, far past the reader's 64 KiB sniff."""
    lines = [b.header("customers")]
    for i in range(3000):
        lines.append(b.variant("customers", f"lat-{i:04d}", region="north" if i < 2999 else "Zoë-land"))
    return b.csv_bytes(lines, encoding="cp1252")


TEXT_CASES: list[Case] = [
    # -- encodings -------------------------------------------------------------------------------
    Case(
        "utf8_with_bom",
        "orders",
        "orders_bom.csv",
        b"\xef\xbb\xbf" + b.csv_bytes(b.table("orders", b.rows("orders", "bom"))),
        Loaded(2),
    ),
    Case(
        "windows_1252_text",
        "stores",
        "stores_cp1252.csv",
        b.csv_bytes(
            b.table("stores", [b.variant("stores", "w1252", name="Café Müller – €uro")]), encoding="cp1252"
        ),
        Loaded(
            1,
            words=("not UTF-8 (byte 0xE9 on line 2): read as Windows-1252",),
            check=query_equals(
                "select name from raw.stores where store_id = 'w1252'", [("Café Müller – €uro",)]
            ),
        ),
    ),
    Case(
        "latin1_past_the_sniffed_bytes",
        "customers",
        "customers_latin1.csv",
        _late_latin1_customers,
        Loaded(
            3000,
            words=("line 3,001): read as Windows-1252",),
            check=query_equals(
                "select region from raw.customers where customer_id = 'lat-2999'", [("Zoë-land",)]
            ),
        ),
    ),
    Case(
        "utf16_le_bom_tab_delimited",  # Excel's "Unicode text"
        "surveys",
        "surveys_unicode.txt",
        b"\xff\xfe" + b.csv_text(b.table("surveys", b.rows("surveys", "u16")), "\t").encode("utf-16-le"),
        Loaded(2, words=("decoded from UTF-16 (byte-order mark)",)),
    ),
    Case(
        "utf16_be_bom",
        "sessions",
        "sessions_utf16be.csv",
        b"\xfe\xff" + b.csv_text(b.table("sessions", b.rows("sessions", "u16be"))).encode("utf-16-be"),
        Loaded(2, words=("decoded from UTF-16",)),
    ),
    Case(
        "utf16_without_bom",
        "sessions",
        "sessions_utf16.csv",
        b.csv_text(b.table("sessions", b.rows("sessions", "nobom"))).encode("utf-16-le"),
        Refused(("UTF-16 text without a byte-order mark", "save the export as UTF-8")),
    ),
    Case(
        "shift_jis_text",
        "stores",
        "stores_sjis.csv",
        b.csv_bytes(
            b.table("stores", [b.variant("stores", "sjis", name="東京駅前店")]), encoding="shift_jis"
        ),
        Refused(("neither UTF-8 nor Windows-1252", "Shift-JIS")),
    ),
    Case(
        "latin1_json_lines",  # JSON is UTF-8 by definition (RFC 8259): not guessed
        "stores",
        "stores.jsonl",
        '{"store_id": "j1", "name": "Café", "region": "north"}\n'.encode("latin-1"),
        Refused(("not UTF-8 text",)),
    ),
    # -- delimiters, line ends, quoting ------------------------------------------------------------
    Case(
        "semicolon_delimited",
        "contacts",
        "contacts_semicolon.csv",
        b.csv_bytes(b.table("contacts", b.rows("contacts", "semi")), ";"),
        Loaded(2),
    ),
    Case(
        "tab_delimited_with_csv_name",
        "sessions",
        "sessions_tabs.csv",
        b.csv_bytes(b.table("sessions", b.rows("sessions", "tab")), "\t"),
        Loaded(2),
    ),
    Case(
        "tsv_file",
        "roadmap",
        "roadmap.tsv",
        b.csv_bytes(b.table("roadmap", b.rows("roadmap", "tsv")), "\t"),
        Loaded(2),
    ),
    Case(
        "crlf_line_ends",
        "orders",
        "orders_crlf.csv",
        b.csv_bytes(b.table("orders", b.rows("orders", "crlf")), eol="\r\n"),
        Loaded(
            2,
            check=query_equals(
                "select return_reason from raw.orders where order_id = 'crlf-O2'", [("damaged",)]
            ),
        ),
    ),
    Case(
        "cr_only_line_ends",  # old Mac Excel
        "stores",
        "stores_cr.csv",
        b.csv_bytes(b.table("stores", b.rows("stores", "cr")), eol="\r"),
        Loaded(2),
    ),
    Case(
        "quoted_newlines_quotes_and_delimiters",
        "surveys",
        "surveys_quoted.csv",
        b.csv_bytes(
            b.table("surveys", [b.variant("surveys", "q1", comment='fast, friendly\r\nand "really" good')])
        ),
        Loaded(
            1,
            check=query_equals(
                "select comment from raw.surveys where response_id = 'q1'",
                [('fast, friendly\r\nand "really" good',)],
            ),
        ),
    ),
    # -- cut off, empty, headers ------------------------------------------------------------------
    Case(
        "truncated_last_line",
        "orders",
        "orders_truncated.csv",
        b.csv_bytes(b.table("orders", b.rows("orders", "trunc"))) + b"trunc-O3,1,2024-03-0",
        Loaded(2, {"truncated_row": 1}, quarantine_words=("3 of the header's 17 fields", "cut off")),
    ),
    Case(
        "blank_last_line_without_line_end",  # a blank row like any other, not a cut-off one
        "orders",
        "orders_blank_last.csv",
        b.csv_bytes(b.table("orders", b.rows("orders", "blank"))) + b",,",
        Loaded(2, {}),
    ),
    Case(
        "cut_inside_a_quoted_field",  # the parser cannot tell where the row ends: refused whole
        "surveys",
        "surveys_cut.csv",
        b.csv_bytes(b.table("surveys", b.rows("surveys", "cut")))
        + b'cut-R3,nps,9,2024-03-06 08:00:00,C1,,,purchase,web,"great but',
        Refused(("row 3 (line 4): a quoted field is not closed before the end of the file",)),
    ),
    Case("empty_file", "orders", "orders_empty.csv", b"", Refused(("found empty file",))),
    Case("blank_lines_only", "orders", "orders_blank.csv", b"\n \r\n\t\n", Refused(("empty file",))),
    Case(
        "header_only",  # a period without activity: loaded, 0 rows
        "customers",
        "customers_header_only.csv",
        b.csv_bytes([b.header("customers")]),
        Loaded(0, words=("0 rows loaded, 0 quarantined",)),
    ),
    Case(
        "header_repeated_in_the_middle",  # two exports concatenated
        "sessions",
        "sessions_concatenated.csv",
        b.csv_bytes(
            [
                b.header("sessions"),
                b.rows("sessions", "cat")[0],
                b.header("sessions"),
                b.rows("sessions", "cat")[1],
            ]
        ),
        Loaded(2, {"repeated_header": 1}, quarantine_words=("the header row again",)),
    ),
    Case(
        "no_header_row",  # the first row is data: refused, and its personal data is not in the message
        "customers",
        "customers_no_header.csv",
        b.csv_bytes(b.rows("customers", "nh")),
        Refused(("header matches no profile",), never=("ann@example.com", "7946")),
    ),
    # -- columns ----------------------------------------------------------------------------------
    Case(
        "extra_columns",
        "orders",
        "orders_extra.csv",
        b.csv_bytes(
            [b.header("orders") + ["internal_note", ""]] + [r + ["x", "y"] for r in b.rows("orders", "extra")]
        ),
        Loaded(2),
    ),
    Case(
        "missing_optional_columns",
        "contacts",
        "contacts_required_only.csv",
        b.csv_bytes(
            b.table(
                "contacts",
                b.rows("contacts", "req"),
                ["contact_id", "channel", "opened_at", "reason"],
            )
        ),
        Loaded(
            2,
            check=query_equals(
                "select count(*) from raw.contacts where contact_id like 'req-%' and ticket_id is null",
                [(2,)],
            ),
        ),
    ),
    Case(
        "missing_required_column",
        "sessions",
        "sessions_no_step.csv",
        b.csv_bytes(
            b.table(
                "sessions",
                b.rows("sessions", "nostep"),
                [c for c in b.header("sessions") if c != "furthest_step"],
            )
        ),
        Refused(("header matches no profile", "canonical_sessions", "missing: furthest_step")),
    ),
    Case(
        "reordered_columns",
        "orders",
        "orders_reordered.csv",
        b.csv_bytes(b.table("orders", b.rows("orders", "rev"), list(reversed(b.header("orders"))))),
        Loaded(
            2,
            check=query_equals(
                "select quantity, unit_price, channel from raw.orders where order_id like 'rev-%' order by 1",
                [(1, 20.0, "store"), (2, 9.99, "web")],
            ),
        ),
    ),
    Case(
        "row_with_more_fields_than_the_header",
        "orders",
        "orders_ragged.csv",
        b.csv_bytes(
            b.table("orders", [b.variant("orders", "rag1"), b.variant("orders", "rag2") + ["extra"]])
        ),
        Refused(("row 2 (line 3) has 18 fields, the header has 17",)),
    ),
]
