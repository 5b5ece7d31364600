"""Issue 13: what real exports of the same shop do differently, on small fixtures in their format
(tests/ingest/vendor_exports.py): ids written as floats, lines without a line id in another row
order, Zendesk's own Via values, the names users give sources."""

from __future__ import annotations

from . import vendor_exports as v
from .exports import query

LINES = [
    ("536365", "85123A", 6, "2010-12-01 08:26:00", 2.55, "17850"),
    ("536365", "71053", 6, "2010-12-01 08:26:00", 3.39, "17850"),
    ("536366", "22633", 6, "2010-12-01 08:28:00", 1.85, "12346"),
]


def _as_pandas(lines):
    """The same lines as pandas writes a nullable integer id column: 17850.0."""
    return [(inv, sku, qty, date, price, f"{cust}.0") for inv, sku, qty, date, price, cust in lines]


def test_ids_written_as_floats_are_the_same_customers_and_orders(write, ingest, db):
    [first] = ingest(write("online_retail_r.csv", v.online_retail(LINES)))
    pandas = _as_pandas(LINES)
    pandas[0] = ("536365.0", *pandas[0][1:])
    [second] = ingest(write("online_retail_pandas.csv", v.online_retail(pandas)))
    assert first.rows_loaded == 3, first.message
    # the same invoice lines: duplicates of the first file, not new customers and orders
    assert (second.rows_loaded, second.rows_quarantined) == (0, 3), second.message
    assert "4 identifiers written as whole-number floats" in second.message
    assert query(db, "select distinct customer_id from raw.orders order by 1") == [("12346",), ("17850",)]
    assert query(db, "select count(distinct order_id) from raw.orders") == [(2,)]


def test_a_decimal_id_is_not_an_integral_float(write, ingest, db):
    lines = [("536370", "22728", 24, "2010-12-01 08:45:00", 3.75, "12.5"),
             ("536371", "22727", 24, "2010-12-01 08:46:00", 3.75, "1200.00")]  # fmt: skip
    [r] = ingest(write("online_retail.csv", v.online_retail(lines)))
    assert r.rows_loaded == 2, r.message
    assert query(db, "select customer_id from raw.orders order by order_id") == [("12.5",), ("1200",)]


def test_lines_without_a_line_id_are_keyed_by_content_not_position(write, ingest, db):
    invoice = [
        ("536367", "84879", 32, "2010-12-01 08:34:00", 1.69, "13047"),
        ("536367", "22745", 6, "2010-12-01 08:34:00", 2.1, "13047"),
        ("536367", "22745", 6, "2010-12-01 08:34:00", 2.1, "13047"),  # the same line twice: two lines
        ("536367", "22748", 6, "2010-12-01 08:34:00", 2.1, "13047"),
    ]
    [first] = ingest(write("online_retail_a.csv", v.online_retail(invoice)))
    assert (first.rows_loaded, first.rows_quarantined) == (4, 0), first.message
    # the same invoice in another row order (prices written 2.10), plus a new invoice
    again = [invoice[3], invoice[2], invoice[0], invoice[1]]
    again = [(*line[:4], f"{line[4]:.2f}", line[5]) for line in again]
    again.append(("536368", "22960", 6, "2010-12-01 08:34:00", 4.25, "13047"))
    [second] = ingest(write("online_retail_b.csv", v.online_retail(again)))
    assert (second.rows_loaded, second.rows_quarantined) == (1, 4), second.message
    assert "duplicate_key: 4" in second.message
    lines = query(db, "select sku, count(*), min(line_no) >= 1 from raw.orders group by sku order by sku")
    assert lines == [("22745", 2, True), ("22748", 1, True), ("22960", 1, True), ("84879", 1, True)]


def test_every_zendesk_via_value_maps_to_a_channel_or_is_not_a_fact(write, ingest, db):
    contacts, _surveys = ingest(write("tickets.csv", v.zendesk_via_tickets()))
    expected = list(v.ZENDESK_VIA.items())
    facts = [(str(i), channel) for i, (_via, channel) in enumerate(expected, start=1) if channel]
    assert contacts.rows_loaded == len(facts), contacts.message
    assert query(db, "select contact_id, channel from raw.contacts order by cast(contact_id as int)") == facts
    rules = query(db, "select row_number, rule from meta.quarantine where source = 'contacts' order by 1")
    assert rules == [(i, "not_a_fact") for i, (_via, channel) in enumerate(expected, start=1) if not channel]
    [(closed,)] = query(db, "select customer_id from raw.contacts where contact_id = '7'")  # Closed ticket
    assert closed is not None  # a repeat contact of the same requester as the others


def test_zendesk_outbound_email_is_kept_as_not_a_fact_with_its_reason(write, ingest, db):
    ingest(write("tickets.csv", v.zendesk_via_tickets()))
    outbound = list(v.ZENDESK_VIA).index("Outbound email") + 1
    [(message,)] = query(
        db, "select message from meta.quarantine where source = 'contacts' and row_number = ?", [outbound]
    )
    assert "outbound from an agent" in message


def test_the_names_users_give_sources(write, db):
    import json

    from typer.testing import CliRunner

    from cli.main import app

    from .exports import SALT

    runner = CliRunner()
    files = {
        "pos": (write("till.csv", v.online_retail(LINES)), "orders"),
        "support": (write("tickets.csv", v.zendesk_tickets()), "contacts"),
        "survey": (write("delighted.jsonl", v.delighted_jsonl()), "surveys"),
    }
    for name, (path, source) in files.items():
        args = ["ingest", str(path), "--source", name, "--db", str(db), "--json", "--no-build"]
        result = runner.invoke(app, args, env={"CX_PII_SALT": SALT})
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        assert [(d["source"], d["status"]) for d in lines] == [(source, "loaded")], result.output
    help_text = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"}).stdout
    assert "pos" in help_text and "support" in help_text and "survey" in help_text


YEARS = {
    "Year 2009-2010": [("489434", "85048", 12, "2009-12-01 07:45:00", 6.95, "13085"),
                       ("489434", "79323P", 12, "2009-12-01 07:45:00", 6.75, "13085")],
    "Year 2010-2011": [("536365", "85123A", 6, "2010-12-01 08:26:00", 2.55, "17850")],
}  # fmt: skip


def test_a_workbook_with_a_sheet_per_year_loads_every_year(ingest, db, tmp_path):
    path = tmp_path / "online_retail_II.xlsx"
    v.online_retail_ii_workbook(path, YEARS)
    first, second = ingest(path)
    assert [(r.status, r.rows_loaded) for r in (first, second)] == [("loaded", 2), ("loaded", 1)], (
        first.message
    )
    assert (
        "read sheet 'Year 2009-2010' (1 of 3; sheets read: 'Year 2009-2010', 'Year 2010-2011'"
        in first.message
    )
    assert "read sheet 'Year 2010-2011' (2 of 3;" in second.message
    assert "skipped: 'Notes' (its header matches no profile)" in second.message
    assert query(db, "select count(distinct customer_id), count(distinct _file_id) from raw.orders") == [
        (2, 2)
    ]
    names = query(db, "select file_name from meta.file_loads where status = 'loaded' order by 1")
    assert names == [("online_retail_II.xlsx",), ("online_retail_II.xlsx [sheet Year 2010-2011]",)]
    again = ingest(path)
    assert [r.status for r in again] == ["duplicate", "duplicate"]


def test_sheet_option_reads_only_that_sheet(ingest, db, tmp_path):
    path = tmp_path / "online_retail_II.xlsx"
    v.online_retail_ii_workbook(path, YEARS)
    [r] = ingest(path, sheet="Year 2010-2011")
    assert (r.status, r.rows_loaded) == ("loaded", 1), r.message
    assert "not asked for: --sheet" in r.message
    [missing] = ingest(path, sheet="Year 2012")
    assert missing.status == "refused" and "no sheet 'Year 2012'" in missing.message
    # the other year loads later, the one read already is a duplicate
    first, second = ingest(path)
    assert [(first.status, first.rows_loaded), second.status] == [("loaded", 2), "duplicate"]


def test_shopify_order_level_export_loads_one_line_per_order(write, ingest, db):
    [r] = ingest(write("orders_export.csv", v.shopify_order_level()))
    assert (r.profile, r.rows_loaded, r.rows_quarantined) == ("shopify_order_totals", 2, 1), r.message
    assert "one line per order" in r.message
    assert query(
        db,
        "select order_id, line_no, sku, quantity, unit_price, returned_quantity, channel "
        "from raw.orders order by 1",
    ) == [("#3001", 1, "unknown", 1, 40.0, 0, "web"), ("#3002", 1, "unknown", 1, 12.5, 1, "web")]


def test_a_full_shopify_export_is_still_read_line_by_line(write, ingest, db):
    [r] = ingest(write("orders_export_1.csv", v.shopify_orders()))
    assert r.profile == "shopify_orders", r.message


def test_a_later_export_of_a_changed_ticket_updates_it(write, ingest, db):
    first = v.zendesk_tickets()
    [contacts, _] = ingest(write("tickets_1.csv", first))
    # the next day's export: ticket 102 solved since, ticket 101 unchanged, a new ticket 110
    later = first.replace("1900-01-01 00:00:00", "2025-12-02 09:00:00")
    rows = later.splitlines()
    rows.append(rows[1].replace(",101,", ",110,", 1))
    [again, _] = ingest(write("tickets_2.csv", "\n".join(rows) + "\n"))
    assert again.rows_read == again.rows_loaded + again.rows_quarantined
    assert again.rows_loaded == 2, again.message  # the update and the new ticket
    assert "1 rows update records loaded before (the latest export wins)" in again.message
    assert "duplicate_key: 6" in again.message  # the unchanged loaded tickets
    # both versions stay in raw (lineage); the warehouse reads the latest
    assert query(db, "select count(*) from raw.contacts where contact_id = '102'") == [(2,)]
    from warehouse.build import build

    snapshot = build(db).snapshot
    import duckdb

    with duckdb.connect(str(snapshot), read_only=True) as con:
        got = con.sql(
            "select contact_id, resolved_at from stg_contacts__contacts "
            "where contact_id in ('101', '102', '110') order by 1"
        ).fetchall()
    import datetime as dt

    assert got == [
        ("101", dt.datetime(2025, 12, 1, 10)),
        ("102", dt.datetime(2025, 12, 2, 9)),
        ("110", dt.datetime(2025, 12, 1, 10)),
    ]


def test_day_boundaries_are_the_business_time_zone(write, ingest, db):
    import datetime as dt

    import duckdb
    import pytest

    from config.settings import time_zone_from_env
    from warehouse.build import build

    # 14:30 UTC on 1 December is already 2 December in Sydney; 03:30 UTC still 30 November in New York
    lines = [
        ("600001", "A1", 1, "2025-12-01 14:30:00", 2.0, "1"),
        ("600002", "A2", 1, "2025-12-01 03:30:00", 2.0, "2"),
    ]
    ingest(write("online_retail.csv", v.online_retail(lines)))

    def days(time_zone):
        snapshot = build(db, time_zone=time_zone).snapshot
        with duckdb.connect(str(snapshot), read_only=True) as con:
            return con.sql("select order_id, order_date from stg_orders__order_lines order by 1").fetchall()

    assert days("UTC") == [("600001", dt.date(2025, 12, 1)), ("600002", dt.date(2025, 12, 1))]
    assert days("Australia/Sydney")[0] == ("600001", dt.date(2025, 12, 2))
    assert days("America/New_York")[1] == ("600002", dt.date(2025, 11, 30))
    assert time_zone_from_env({}) == "UTC"
    assert time_zone_from_env({"CX_TIME_ZONE": "Australia/Sydney"}) == "Australia/Sydney"
    with pytest.raises(ValueError, match="CX_TIME_ZONE must be an IANA time zone name"):
        time_zone_from_env({"CX_TIME_ZONE": "Mars/Olympus"})
