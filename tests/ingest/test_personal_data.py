"""Personal data never reaches DuckDB: every vendor fixture is loaded and the warehouse is built,
then every text value of every table (ingest database and published snapshot, quarantine records
included) and the database files' bytes are searched for the fixtures' emails, names, phones,
street addresses and IP addresses. Emails are joinable all the same: the same salted hash as the
customers' email_hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from warehouse.build import build

from . import vendor_exports as v
from .exports import SALT, query

CUSTOMERS = "customer_id,tier,tier_since,email\nC1,gold,2024-01-01,ann.smith@example.com\n"


def _load_everything(write, ingest) -> list:
    write("legacy.questions.toml", 'nps = "Q1"\ncsat = "Q2"\n')
    write("sm.questions.toml", 'nps = "recommend"\ncsat = "satisfied"\n')
    files = [
        write("customers.csv", CUSTOMERS),
        write("orders_export.csv", v.shopify_orders()),
        write("tickets.csv", v.zendesk_tickets()),
        write("survey.csv", v.qualtrics_responses()),
        write("legacy.csv", v.qualtrics_legacy()),
        write("sm.csv", v.surveymonkey()),
        write("responses.jsonl", v.delighted_jsonl()),
        write("responses.csv", v.delighted_csv()),
    ]
    return ingest(*files, questions="csat=Q2,ces=Q3")


def _text_values(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_catalog = current_database()"
        ).fetchall()
        values = []
        for schema, table, column in columns:
            rows = con.execute(
                f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null'
            )
            values += [r[0] for r in rows.fetchall()]
        return values
    finally:
        con.close()


def test_no_personal_value_reaches_the_warehouse(write, ingest, db):
    results = _load_everything(write, ingest)
    assert all(r.status == "loaded" for r in results), [r.message for r in results if r.status != "loaded"]
    assert query(db, "select count(*) from meta.quarantine") != [(0,)]  # the records are searched too
    snapshot = build(db).snapshot
    needles = [p.lower() for p in v.PERSONAL]
    for path in (db, Path(snapshot)):
        values = _text_values(path)
        assert len(values) > 50
        found = sorted({n for n in needles for value in values if n in value.lower()})
        assert found == [], f"{path.name}: personal data stored: {found}"
        raw = path.read_bytes().lower()
        assert [n for n in needles if n.encode() in raw] == []


def test_hashed_emails_join_customers_across_sources(write, ingest, db):
    _load_everything(write, ingest)
    [(email_hash,)] = query(db, "select email_hash from raw.customers")
    expected = hashlib.sha256((SALT + "ann.smith@example.com").encode()).hexdigest()
    assert email_hash == expected
    # the Shopify order (typed " Ann.Smith@Example.com ") and the Zendesk tickets of the same person
    assert query(
        db, "select distinct order_id from raw.orders where customer_id = ? order by 1", [expected]
    ) == [("#1001",)]
    assert query(db, "select count(*) from raw.contacts where customer_id = ?", [expected]) == [(6,)]
