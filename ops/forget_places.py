"""The places `cx forget` erases a person from. Each is a `Place`: a name, `count(person)` (how many
of its rows, files or snapshots hold the person; changes nothing) and `erase(person)` (removes them,
returns how many). A new store is one more place in ops.forget.places().

A `Person` carries every identifier of the person the ingest database knew, resolved once before
anything is erased (ops.forget.resolve): a place matches on those, never on names or e-mails in
clear (the warehouse holds e-mails only as salted hashes).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from ingest.parse import quote_ident
from warehouse import audit, followups, snapshots


@dataclass(frozen=True)
class Person:
    """Every identifier of one person in the warehouse (all as the raw tables store them)."""

    customer_ids: frozenset[str] = frozenset()  # also the e-mail hashes (Shopify's customer id is one)
    email_hashes: frozenset[str] = frozenset()  # sha256(CX_PII_SALT || e-mail), as ingest stores it
    order_ids: frozenset[str] = frozenset()  # their orders (lines, headers)
    contact_ids: frozenset[str] = frozenset()  # their support contacts and those about their orders
    response_ids: frozenset[str] = frozenset()  # their survey answers (raw.surveys.response_id)
    comments: frozenset[str] = field(default=frozenset(), repr=False)  # what they wrote in surveys

    @property
    def identifiers(self) -> frozenset[str]:
        return self.customer_ids | self.email_hashes | self.order_ids | self.contact_ids | self.response_ids

    @property
    def params(self) -> dict[str, list[str]]:
        """Bound parameters of the DuckDB places' conditions."""
        return {
            "c": sorted(self.customer_ids | self.email_hashes),
            "e": sorted(self.email_hashes),
            "o": sorted(self.order_ids),
            "k": sorted(self.contact_ids),
            "r": sorted(self.response_ids),
        }


class Place(Protocol):
    """One place the product keeps data in. A store beside the warehouse (the follow-up store) is
    one more: a factory `make(db) -> Place` passed to ops.forget.forget(extra_places=...) or added
    to ops.forget.outside_places. Its contract:

    - `name`: shown in `cx forget`'s output, its --json and the audit line ("follow-ups");
    - `count(person)`: how many of its rows hold the person; changes nothing (it is all --dry-run
      runs), and is 0 when its file does not exist (never creates it);
    - `erase(person)`: deletes those rows in one transaction of its own and returns how many;
      called only when count() found some, after the ingest database is erased and the new
      snapshot is published (so `person` was resolved before any raw row was deleted);
    - it matches on `person`'s identifiers (a follow-up: `response_id in person.response_ids`,
      the raw.surveys response ids; also customer_ids / order_ids / contact_ids where it keeps
      them), never on text in clear, and takes its own lock or busy timeout (SQLite WAL:
      `begin immediate` with `busy_timeout`), as the dashboard may write it at the same time.
    """

    name: str

    def count(self, person: Person) -> int: ...

    def erase(self, person: Person) -> int: ...


def _in(column: str, param: str) -> str:
    return f"{column} in (select unnest(${param}))"


# Quarantined rows hold the row as read (JSON, no personal data) in `record`.
RECORD_FIELDS = {"customer_id": "c", "order_id": "o", "contact_id": "k", "response_id": "r"}
QUARANTINE_CONDITION = " or ".join(
    _in(f"json_extract_string(record, '$.{f}')", p) for f, p in RECORD_FIELDS.items()
)
# raw table -> the rows that are the person's, or about their orders, contacts and answers
RAW_CONDITIONS = {
    "orders": f"{_in('customer_id', 'c')} or {_in('order_id', 'o')}",
    "order_headers": f"{_in('customer_id', 'c')} or {_in('order_id', 'o')}",
    "customers": f"{_in('customer_id', 'c')} or {_in('email_hash', 'e')}",
    "contacts": f"{_in('customer_id', 'c')} or {_in('order_id', 'o')} or {_in('contact_id', 'k')}",
    "surveys": (
        f"{_in('customer_id', 'c')} or {_in('order_id', 'o')} or {_in('contact_id', 'k')} "
        f"or {_in('response_id', 'r')}"
    ),
    "sessions": f"{_in('customer_id', 'c')} or {_in('order_id', 'o')}",
}


def _used(sql: str, params: dict) -> dict:
    return {k: v for k, v in params.items() if f"${k}" in sql}


@dataclass
class DuckTable:
    """Rows of one table of the ingest database (raw tables with their lineage columns, the
    quarantine). `con` is the runner's connection: its erase runs in the runner's transaction."""

    name: str
    con: duckdb.DuckDBPyConnection
    condition: str

    def count(self, person: Person) -> int:
        sql = f"select count(*) from {self.name} where {self.condition}"
        return self.con.execute(sql, _used(sql, person.params)).fetchone()[0]

    def erase(self, person: Person) -> int:
        sql = f"delete from {self.name} where {self.condition}"
        return self.con.execute(sql, _used(sql, person.params)).fetchone()[0]


def ingest_places(con: duckdb.DuckDBPyConnection) -> list[DuckTable]:
    places = [DuckTable(f"raw.{t}", con, c) for t, c in RAW_CONDITIONS.items()]
    places.append(DuckTable("meta.quarantine", con, QUARANTINE_CONDITION))
    # the VoC step's scores of their comments (language, sentiment, theme, the text's md5), which
    # the build reads like a source: a warehouse whose comments were never scored has no table
    scores = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'voc' and table_name = 'comment_scores'"
    ).fetchone()[0]
    if scores:
        places.append(DuckTable("voc.comment_scores", con, _in("response_id", "r")))
    return places


def duckdb_holds(path: Path, person: Person) -> int:
    """Rows of any table of the DuckDB file `path` that hold one of the person's identifiers in a
    text column (a quarantine record: in its JSON). Opened read-only."""
    ids = sorted(person.identifiers)
    if not ids:
        return 0
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and data_type = 'VARCHAR'"
        ).fetchall():
            columns.setdefault((schema, table), []).append(column)
        found = 0
        for (schema, table), names in columns.items():
            tests = [f"{quote_ident(n)} in (select unnest($ids))" for n in names]
            if "record" in names:
                tests += [
                    f"json_extract_string(record, '$.{f}') in (select unnest($ids))" for f in RECORD_FIELDS
                ]
            found += con.execute(
                f"select count(*) from {quote_ident(schema)}.{quote_ident(table)} where {' or '.join(tests)}",
                {"ids": ids},
            ).fetchone()[0]
        return found
    finally:
        con.close()


@dataclass
class Snapshots:
    """The published snapshots (and Spark build folders) beside the ingest database. Erasing builds
    a new snapshot from the (already erased) ingest database, then deletes every other snapshot
    and Spark run folder that holds the person. `build(db)` is warehouse.build.build."""

    db: Path
    build: Callable[[Path], object]
    name: str = "snapshots"
    built: Path | None = None
    still_held: int = 0  # rows of the new snapshot that still name the person (a place missed)

    def _snapshots(self) -> list[Path]:
        return sorted(snapshots.serving_dir(self.db).glob("snapshot-*.duckdb"))

    def _spark_folders(self) -> list[Path]:
        return sorted(p for p in snapshots.serving_dir(self.db).glob("spark-*") if p.is_dir())

    def _holding(self, person: Person) -> list[Path]:
        held = [p for p in self._snapshots() if p != self.built and duckdb_holds(p, person)]
        return held + [p for p in self._spark_folders() if _parquet_holds(p, person)]

    def count(self, person: Person) -> int:
        return len(self._holding(person))

    def erase(self, person: Person) -> int:
        if not self._snapshots():
            return 0  # nothing was ever built
        holding = self._holding(person)
        if not holding:
            return 0
        self.built = Path(self.build(self.db).snapshot)
        # the new snapshot is searched as the old ones were: a row naming them means a place of
        # the ingest database was missed, and the caller says so
        self.still_held = duckdb_holds(self.built, person)
        for path in holding:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                snapshots.remove(path)
        return len(holding)


def _parquet_holds(folder: Path, person: Person) -> bool:
    ids = sorted(person.identifiers)
    con = duckdb.connect()
    try:
        for leaf in sorted({p.parent for p in folder.rglob("*.parquet")}):
            relation = f"read_parquet({_literal(str(leaf / '*.parquet'))})"
            described = con.execute(f"describe select * from {relation}").fetchall()
            names = [n for n, t, *_ in described if t == "VARCHAR"]
            if not names:
                continue
            tests = " or ".join(f"{quote_ident(n)} in (select unnest($ids))" for n in names)
            if con.execute(f"select count(*) from {relation} where {tests}", {"ids": ids}).fetchone()[0]:
                return True
        return False
    finally:
        con.close()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _strings(value) -> Iterable[str]:
    """Every string in a JSON value (keys are names, not data: left out)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# A comment shorter than this ("great", "ok") is not searched for inside other text: it would name
# everyone who wrote the same words.
COMMENT_MIN_CHARACTERS = 20


def names_person(value, person: Person) -> bool:
    """A JSON value that holds one of the person's identifiers as a whole string, or a string
    holding one of their survey comments."""
    ids = person.identifiers
    comments = [c for c in person.comments if len(c.strip()) >= COMMENT_MIN_CHARACTERS]
    return any(text in ids or any(c in text for c in comments) for text in _strings(value))


@dataclass
class BoardPacks:
    """Frozen board packs (`board_packs/<month>__<key>.json`, its .html/.xlsx/.pdf and revisions).
    They hold aggregates, so they stay; a pack whose frozen figures name the person (an identifier
    or a comment of theirs) is deleted with every file of it."""

    folder: Path
    name: str = "board packs"

    def _naming(self, person: Person) -> list[Path]:
        out = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                pack = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if names_person(pack, person):
                out.append(path)
        return out

    def count(self, person: Person) -> int:
        return len(self._naming(person))

    def erase(self, person: Person) -> int:
        packs = self._naming(person)
        for path in packs:
            key = path.name.split(".", 1)[0]  # <month>__<key>: the pack, its renderings, its revisions
            for other in self.folder.glob(f"{key}.*"):
                other.unlink(missing_ok=True)
        return len(packs)


@dataclass
class SqliteStore:
    """A SQLite store beside the warehouse (the alert state): rows with one of the person's
    identifiers as a whole text value, or inside a JSON text value, are deleted."""

    path: Path
    name: str

    def _matches(self, con: sqlite3.Connection, person: Person) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for rowid, *values in con.execute(f"select rowid, * from {quote_ident(table)}"):
                for value in values:
                    if isinstance(value, str) and _text_names(value, person):
                        found.setdefault(table, []).append(rowid)
                        break
        return found

    def _connect(self) -> sqlite3.Connection | None:
        if not self.path.exists():
            return None
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("pragma busy_timeout=30000")
        return con

    def count(self, person: Person) -> int:
        con = self._connect()
        if con is None:
            return 0
        try:
            return sum(len(v) for v in self._matches(con, person).values())
        finally:
            con.close()

    def erase(self, person: Person) -> int:
        con = self._connect()
        if con is None:
            return 0
        try:
            con.execute("begin immediate")
            try:
                found = self._matches(con, person)
                for table, rowids in found.items():
                    delete = f"delete from {quote_ident(table)} where rowid = ?"
                    con.executemany(delete, [(r,) for r in rowids])
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            return sum(len(v) for v in found.values())
        finally:
            con.close()


@dataclass
class FollowUps:
    """The follow-up store (warehouse/followups.py): each answer's status, history and the staff's
    notes about it, keyed by the answer's response_id."""

    path: Path
    name: str = "follow-ups"

    def count(self, person: Person) -> int:
        if not self.path.exists() or not person.response_ids:  # never creates the store
            return 0
        with followups.FollowUpStore(self.path) as store:
            return store.count_rows(person.response_ids)

    def erase(self, person: Person) -> int:
        if not self.path.exists() or not person.response_ids:
            return 0
        with followups.FollowUpStore(self.path) as store:  # begin immediate + busy timeout inside
            return store.erase_responses(person.response_ids)


def _text_names(text: str, person: Person) -> bool:
    if text in person.identifiers:
        return True
    if text[:1] in "[{":
        try:
            return names_person(json.loads(text), person)
        except ValueError:
            return False
    return False


@dataclass
class AuditLog:
    """The audit log's lines (staff actions: they name no customer, but a line naming one is
    removed; the month file is rewritten only then, and only if no line was appended meanwhile)."""

    db: Path
    name: str = "audit log"

    def _files(self) -> list[Path]:
        return sorted(audit.audit_dir(self.db).glob("audit-*.jsonl"))

    @staticmethod
    def _naming(line: str, person: Person) -> bool:
        try:
            return names_person(json.loads(line), person)
        except ValueError:
            return False

    def count(self, person: Person) -> int:
        return sum(
            self._naming(line, person)
            for path in self._files()
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        )

    def erase(self, person: Person) -> int:
        removed = 0
        for path in self._files():
            for _ in range(3):  # a line appended while rewriting: read again
                before = path.stat().st_size
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
                kept = [line for line in lines if not self._naming(line, person)]
                if len(kept) == len(lines):
                    break
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                tmp.write_text("".join(kept), encoding="utf-8")
                if path.stat().st_size != before:
                    tmp.unlink()
                    continue
                os.replace(tmp, path)
                removed += len(lines) - len(kept)
                break
        return removed
