"""A tiny warehouse for closing the loop (issue 18), written in code: answers whose place on the
follow-up list, order, delivery and contacts are known by hand.

March 2026, the period tested:
- r1 NPS 3 (North, store S1, customer A): a store sale (no delivery), one contact of A 1 day before.
- r2 NPS 8: not on the list (a passive).
- r3 CSAT 2, known only by an e-mail hash that the loyalty CRM has for A: exported as A.
- r4 CSAT 3: not on the list (neutral).
- r5 NPS 6 (North, online order o2 delivered 2.5 days late): the two delivery contacts about o2.
- r6 NPS 0 (South, store S2, customer B): B's two contacts in the 30 days before.
- r7 NPS 2 in February: outside the period.
- r8 CES 1: CES answers are not followed up.
- r9 CSAT 1 by an e-mail hash the CRM does not know: exported as the hash.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from tests.dashboard.seeded import write_raw
from warehouse.build import build

HASH_A = "a" * 63 + "1"  # sha256 hex of A's e-mail (as staging writes it)
HASH_X = "b" * 63 + "2"  # a respondent the CRM does not know
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _order(order_id, at, store, channel, customer, qty, price, promised=None, delivered=None):
    return {
        "order_id": order_id,
        "line_no": 1,
        "ordered_at": at,
        "store_id": store,
        "channel": channel,
        "customer_id": customer,
        "sku": "K",
        "quantity": qty,
        "unit_price": price,
        "promised_at": promised,
        "delivered_at": delivered,
    }


def _contact(contact_id, customer, order, at, reason, channel="chat"):
    return {
        "contact_id": contact_id,
        "ticket_id": contact_id,
        "customer_id": customer,
        "order_id": order,
        "channel": channel,
        "opened_at": at,
        "reason": reason,
        "resolved_by": "agent",
    }


def _answer(response_id, survey, score, at, customer=None, order=None, comment=None):
    return {
        "response_id": response_id,
        "survey": survey,
        "score": score,
        "answered_at": at,
        "customer_id": customer,
        "order_id": order,
        "comment": comment,
    }


ROWS = {
    "stores": [
        {"store_id": "S1", "name": "One", "region": "North", "format": "store"},
        {"store_id": "S2", "name": "Two", "region": "South", "format": "store"},
        {"store_id": "ONL", "name": "Online", "region": "North", "format": "online"},
    ],
    "customers": [
        {
            "customer_id": "A",
            "tier": "gold",
            "tier_since": date(2025, 1, 1),
            "region": "North",
            "segment": "premium",
            "email_hash": HASH_A,
        },
        {"customer_id": "B", "tier": "none", "tier_since": date(2025, 1, 1), "region": "South"},
    ],
    "orders": [
        _order("o1", datetime(2026, 3, 2, 10), "S1", "store", "A", 1, 20.0),
        _order(
            "o2",
            datetime(2026, 3, 3, 10),
            "ONL",
            "web",
            "B",
            2,
            12.5,
            promised=datetime(2026, 3, 5, 10),
            delivered=datetime(2026, 3, 7, 22),
        ),
        _order("o3", datetime(2026, 3, 4, 10), "S2", "store", "B", 1, 7.25),
    ],
    "contacts": [
        _contact("c1", "B", "o2", datetime(2026, 3, 6, 9), "delivery"),
        _contact("c2", "B", "o2", datetime(2026, 3, 8, 9), "delivery", channel="phone"),
        _contact("c3", "A", None, datetime(2026, 1, 1, 9), "billing", channel="email"),
        _contact("c4", "A", None, datetime(2026, 3, 9, 9), "product"),
        # the data start 90+ days before the last answer (see short_data_warehouse)
        _contact("c0", "A", None, datetime(2025, 12, 1, 9), "other", channel="email"),
    ],
    "surveys": [
        _answer("r1", "nps", 3, datetime(2026, 3, 10, 12), "A", "o1", "=cmd|' /C calc'!A0"),
        _answer("r2", "nps", 8, datetime(2026, 3, 10, 13), "B", "o2", "fine"),
        _answer("r3", "csat", 2, datetime(2026, 3, 12, 9), HASH_A, None, "late again"),
        _answer("r4", "csat", 3, datetime(2026, 3, 12, 10), "B", "o3", "ok"),
        _answer("r5", "nps", 6, datetime(2026, 3, 9, 8), "B", "o2", "Arrived late, twice I called"),
        _answer("r6", "nps", 0, datetime(2026, 3, 20, 10), "B", "o3", None),
        _answer("r7", "nps", 2, datetime(2026, 2, 10, 10), "A", "o1", "February"),
        _answer("r8", "ces", 1, datetime(2026, 3, 11, 10), "A", "o1", "hard"),
        _answer("r9", "csat", 1, datetime(2026, 3, 15, 10), HASH_X, None, "never again"),
    ],
}


def follow_up_warehouse(directory: Path, rows: dict | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    db = write_raw(directory / "loop.duckdb", rows or ROWS)
    build(db)
    return db


def short_data_warehouse(directory: Path) -> Path:
    """The same answers with data covering less than 90 days (no early contact c0)."""
    rows = {**ROWS, "contacts": [c for c in ROWS["contacts"] if c["contact_id"] != "c0"]}
    return follow_up_warehouse(directory, rows)
