"""Erase a person everywhere the product keeps data (`cx forget`), and keep them out afterwards.

    report = forget(db, salt, customer_id="C1")          # or email="ann@example.com"
    report = forget(db, salt, customer_id="C1", dry_run=True)

1. The person is resolved in the ingest database (`resolve`): from a customer id or an e-mail
   (hashed as ingest hashes it) to every identifier their rows carry: customer ids sharing their
   e-mail hash, their e-mail hashes, their orders, the support contacts and survey answers that are
   theirs or about their orders (a row tied only to one of their order ids is about them: it goes).
2. Every place (ops.forget_places) counts what it holds of them; unless `dry_run`:
   - the ingest database's places are erased in one transaction, together with the salted hashes
     of their identifiers added to the erasure list (ingest.erasures), so a later ingest of an old
     export does not load them again;
   - then the places outside it: the snapshots (a new one is built, the older ones holding them
     are deleted), the board packs naming them, the alert state, the audit log, and any store added
     by `extra_places` (the follow-up store);
   - one audit line (event `erasure`) with the counts per place and the request's random id,
     without the person's identifiers.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest import erasures
from ingest.profiles.transform import INTEGRAL_FLOAT, pii_hash
from ingest.store import ensure_schema
from ops import forget_places
from ops.forget_places import Person, Place
from ops.state import state_path
from warehouse import audit, followups

AUDIT_EVENT = "erasure"


class ForgetError(Exception):
    """Nothing was erased: the request or the warehouse cannot be used (one line)."""


@dataclass
class PlaceResult:
    name: str
    found: int
    removed: int = 0


@dataclass
class ForgetReport:
    erasure_id: str
    dry_run: bool
    places: list[PlaceResult] = field(default_factory=list)
    erasure_list: int = 0  # entries added
    snapshot: str | None = None  # the snapshot built without the person
    snapshot_still_holds: int = 0  # its rows that still name them: 0, or a place was missed
    seconds: float = 0.0

    @property
    def found(self) -> bool:
        return any(p.found for p in self.places)

    def as_dict(self) -> dict:
        return {
            "erasure_id": self.erasure_id,
            "dry_run": self.dry_run,
            "found": self.found,
            "places": [{"place": p.name, "found": p.found, "removed": p.removed} for p in self.places],
            "erasure_list_entries": self.erasure_list,
            "snapshot": self.snapshot,
            "snapshot_still_holds": self.snapshot_still_holds,
            "seconds": round(self.seconds, 2),
        }


def canonical_id(text: str) -> str:
    """A customer id as ingest stages it (ingest.profiles.transform.canonical_ids): trimmed, an
    integral float (`12346.0`) written as the whole number."""
    text = text.strip()
    return re.sub(INTEGRAL_FLOAT, r"\1", text)


def _values(con, sql: str, **params) -> set[str]:
    return {r[0] for r in con.execute(sql, params).fetchall() if r[0] is not None}


def resolve(con: duckdb.DuckDBPyConnection, *, customer_ids=(), email_hashes=()) -> Person:
    """Every identifier of the person in the ingest database (see the module's docstring)."""
    customers, emails = set(customer_ids), set(email_hashes)
    while True:  # customer ids <-> e-mail hashes through raw.customers, to a fixed point
        found_c = (
            customers
            | emails
            | _values(
                con,
                "select customer_id from raw.customers where email_hash in (select unnest($e))",
                e=list(emails),
            )
        )
        found_e = emails | _values(
            con,
            "select email_hash from raw.customers where customer_id in (select unnest($c))",
            c=list(found_c),
        )
        if found_c == customers and found_e == emails:
            break
        customers, emails = found_c, found_e
    c = sorted(customers)
    orders = _values(
        con,
        "select order_id from raw.orders where customer_id in (select unnest($c)) union "
        "select order_id from raw.order_headers where customer_id in (select unnest($c)) union "
        "select json_extract_string(record, '$.order_id') from meta.quarantine "
        "where source in ('orders', 'order_headers') "
        "and json_extract_string(record, '$.customer_id') in (select unnest($c))",
        c=c,
    )
    o = sorted(orders)
    contacts = _values(
        con,
        "select contact_id from raw.contacts "
        "where customer_id in (select unnest($c)) or order_id in (select unnest($o))",
        c=c,
        o=o,
    )
    answers = con.execute(
        "select response_id, comment from raw.surveys where customer_id in (select unnest($c)) "
        "or order_id in (select unnest($o)) or contact_id in (select unnest($k))",
        {"c": c, "o": o, "k": sorted(contacts)},
    ).fetchall()
    return Person(
        customer_ids=frozenset(customers),
        email_hashes=frozenset(emails),
        order_ids=frozenset(orders),
        contact_ids=frozenset(contacts),
        response_ids=frozenset(r for r, _ in answers if r is not None),
        comments=frozenset(text for _, text in answers if text),
    )


def outside_places(db: Path, build: Callable[[Path], object]) -> list[Place]:
    """The places beside the ingest database, in the order they are erased."""
    db = Path(db)
    return [
        forget_places.Snapshots(db, build),
        forget_places.BoardPacks(db.parent / "board_packs"),
        forget_places.SqliteStore(state_path(db), "alert state"),
        forget_places.FollowUps(followups.store_path(db)),
        forget_places.AuditLog(db),
    ]


def forget(
    db: Path,
    salt: str,
    *,
    customer_id: str | None = None,
    email: str | None = None,
    dry_run: bool = False,
    build: Callable[[Path], object] | None = None,
    extra_places: Sequence[Callable[[Path], Place]] = (),
) -> ForgetReport:
    """Erase the person named by `customer_id` or `email` (exactly one). `build(db)` builds and
    publishes a snapshot (default warehouse.build.build); `extra_places`: factories `f(db) -> Place`
    of stores kept beside the warehouse (the follow-up store), erased after the alert state."""
    if (customer_id is None) == (email is None):
        raise ForgetError("name the person by --customer ID or by --email ADDRESS (one of them)")
    db = Path(db)
    if not db.exists():
        raise ForgetError(f"{db}: no ingest database; nothing to erase")
    started = time.perf_counter()
    if build is None:
        from warehouse.build import build as build_snapshot

        build = build_snapshot
    customer_ids = [c for c in [canonical_id(customer_id or "")] if c]
    email_hashes = [h] if email is not None and (h := pii_hash(email, salt)) else []
    if not customer_ids and not email_hashes:
        raise ForgetError("the customer id or e-mail address is empty")
    report = ForgetReport(erasure_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    try:
        con = duckdb.connect(str(db), read_only=dry_run)
    except duckdb.IOException as exc:
        raise ForgetError(
            f"{db} is in use by another process (an ingest or a build?); run cx forget again when it "
            f"has finished. {str(exc).splitlines()[0]}"
        ) from None
    try:
        if not dry_run:
            ensure_schema(con)
        person = resolve(con, customer_ids=customer_ids, email_hashes=email_hashes)
        inside = forget_places.ingest_places(con)
        report.places = [PlaceResult(p.name, p.count(person)) for p in inside]
        if not dry_run:
            con.execute("begin transaction")
            try:
                for place, result in zip(inside, report.places, strict=True):
                    result.removed = place.erase(person) if result.found else 0
                report.erasure_list = _add_to_erasure_list(con, person, salt, report.erasure_id)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("checkpoint")
    finally:
        con.close()
    outside = outside_places(db, build) + [make(db) for make in extra_places]
    for place in outside:
        result = PlaceResult(place.name, place.count(person))
        if not dry_run and result.found:
            result.removed = place.erase(person)
        report.places.append(result)
        if isinstance(place, forget_places.Snapshots) and place.built is not None:
            report.snapshot = place.built.name
            report.snapshot_still_holds = place.still_held
    report.seconds = time.perf_counter() - started
    if not dry_run:
        removed = {p.name: p.removed for p in report.places if p.removed}
        audit.record(
            db,
            AUDIT_EVENT,
            "cx forget",
            detail=_detail(report, removed),
        )
    return report


def _detail(report: ForgetReport, removed: dict[str, int]) -> str:
    import json

    return json.dumps(
        {
            "erasure_id": report.erasure_id,
            "found": report.found,
            "removed": removed,
            "erasure_list_entries": report.erasure_list,
            "snapshot": report.snapshot,
            "snapshot_still_holds": report.snapshot_still_holds,
        }
    )


def _add_to_erasure_list(con, person: Person, salt: str, erasure_id: str) -> int:
    """The salted hashes of the person's identifiers (not already listed); returns how many."""
    now = datetime.now(UTC).replace(tzinfo=None)
    kinds = {
        "customer_id": person.customer_ids - person.email_hashes,
        "email_hash": person.email_hashes,
        "order_id": person.order_ids,
        "contact_id": person.contact_ids,
    }
    rows = [
        (erasures.erasure_hash(value, salt), kind, erasure_id, now)
        for kind, values in kinds.items()
        for value in sorted(values)
    ]
    if not rows:
        return 0
    before = erasures.count(con)
    con.executemany(
        "insert into meta.erasures select $1, $2, $3, $4 where not exists "
        "(select 1 from meta.erasures where id_hash = $1 and kind = $2)",
        rows,
    )
    return erasures.count(con) - before
