"""Issue 18, item 6: e-mail addresses and phone numbers typed into comments are masked at staging
(`[email]`, `[phone]`) in every profile, quarantine records included, and an existing warehouse is
masked in place. Order numbers, dates, prices and amounts are left as typed."""

from __future__ import annotations

import duckdb
import pytest

from ingest.masking import mask_text
from ingest.store import ensure_schema

from .exports import query

# (typed, stored): each valid case is masked, each invalid one is a number that is not a phone
MASKED = [
    ("mail me at joao.silva@gmail.com please", "mail me at [email] please"),
    ("Ann.Smith+cx@example.co.uk wrote", "[email] wrote"),
    ("call me on 555-123-4567", "call me on [phone]"),
    ("(11) 98765-4321 é meu celular", "[phone] é meu celular"),
    ("ring +44 20 7946 0958 today", "ring [phone] today"),
    ("+5511987654321", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("meu telefone 11987654321", "meu telefone [phone]"),
]
LEFT_AS_TYPED = [
    "order #100234567 was late",
    "pedido 12345678901 atrasado",
    "delivered 2026-11-03 instead of 03/11/2026",
    "paid R$ 1.299,90 and $1,299.99",
    "a total of 1.234.567 points",
    "ticket 123-456-789 still open",
    "bought 3 items for 59.90 on 12.03.2026",
    "received 2 of 3 items, 5 days late",
    "order 1001 arrived",
]


@pytest.mark.parametrize(("typed", "stored"), MASKED)
def test_personal_data_in_a_comment_is_masked(typed, stored):
    assert mask_text(typed) == stored


@pytest.mark.parametrize("typed", LEFT_AS_TYPED)
def test_numbers_that_are_not_phones_are_left_as_typed(typed):
    assert mask_text(typed) == typed


SURVEYS = (
    "response_id,survey,score,answered_at,comment\n"
    "R1,nps,9,2026-03-01 10:00:00,great! reach me at ann.smith@example.com\n"
    "R2,csat,2,2026-03-02 10:00:00,call me on 555-123-4567 about order #100234567\n"
    "R3,nps,11,2026-03-03 10:00:00,bad score; my mail is bob.jones@example.org\n"  # quarantined
)


def test_comments_are_masked_in_raw_and_in_quarantine(write, ingest, db):
    ingest(write("surveys.csv", SURVEYS))
    comments = dict(query(db, "select response_id, comment from raw.surveys"))
    assert comments == {
        "R1": "great! reach me at [email]",
        "R2": "call me on [phone] about order #100234567",
    }
    records = [r[0] for r in query(db, "select record from meta.quarantine")]
    assert records and all("bob.jones" not in r for r in records)
    assert any("my mail is [email]" in r for r in records)


def test_an_existing_warehouse_is_masked_in_place(write, ingest, db):
    ingest(write("surveys.csv", SURVEYS))
    con = duckdb.connect(str(db))
    # as a warehouse loaded before masking holds them
    con.execute("update raw.surveys set comment = 'write to old.user@example.com or 555-123-4567'")
    con.execute(
        'update meta.quarantine set record = \'{"response_id":"R3","comment":"old.user@example.com"}\''
    )
    ensure_schema(con)
    assert {r[0] for r in con.execute("select comment from raw.surveys").fetchall()} == {
        "write to [email] or [phone]"
    }
    assert {r[0] for r in con.execute("select record from meta.quarantine").fetchall()} == {
        '{"response_id":"R3","comment":"[email]"}'
    }
    ensure_schema(con)  # idempotent
    assert con.execute("select count(*) from raw.surveys where comment like '%@%'").fetchone() == (0,)
    con.close()
