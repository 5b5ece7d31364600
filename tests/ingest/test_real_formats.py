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
