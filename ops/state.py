"""What was sent and when: a small SQLite file beside the warehouse (`<db>-alerts.sqlite`), outside
the snapshot, in WAL mode so the command line and the dashboard can use it at once.

Tables: `breaches` (one row per key while open; `cleared_at` set when it recovers) and `deliveries`
(one row per notice and recipient: `sent_at` null while pending). A notice is queued in the same
transaction that opens or clears its breach, so a run that dies after that sends it next time;
a delivery marked sent is never sent again. Runs take an exclusive lock on `<db>-alerts.lock`, so
two runs at once do not both send.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from warehouse.sqlite_store import connect_for_writing

SCHEMA = """
create table if not exists breaches(
    key text primary key, kind text not null, subject text not null, period text not null,
    scope text not null, opened_at text not null, cleared_at text, finding text not null);
create table if not exists deliveries(
    id integer primary key, key text not null, notice text not null, channel text not null,
    recipient text not null, queued_at text not null, sent_at text, attempts integer not null default 0,
    last_error text, finding text not null);
create index if not exists deliveries_pending on deliveries(sent_at);
"""


def state_path(db: Path) -> Path:
    db = Path(db)
    return db.with_name(f"{db.stem}-alerts.sqlite")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class AlertState:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect_for_writing(self.path)
        self.con.row_factory = sqlite3.Row
        self.con.executescript(SCHEMA)

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def transaction(self):
        self.con.execute("begin immediate")
        try:
            yield self.con
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    def open_breaches(self) -> dict[str, sqlite3.Row]:
        rows = self.con.execute("select * from breaches where cleared_at is null").fetchall()
        return {r["key"]: r for r in rows}

    def open_breach(self, con, finding: dict) -> None:
        con.execute(
            "insert into breaches(key, kind, subject, period, scope, opened_at, finding) "
            "values (?,?,?,?,?,?,?) "
            "on conflict(key) do update set cleared_at = null, opened_at = excluded.opened_at, "
            "finding = excluded.finding",
            (
                finding["key"],
                finding["kind"],
                finding["subject"],
                finding["period"],
                finding["scope"],
                _now(),
                json.dumps(finding),
            ),
        )

    def clear_breach(self, con, key: str) -> None:
        con.execute("update breaches set cleared_at = ? where key = ?", (_now(), key))

    def queue(self, con, key: str, notice: str, channel: str, recipient: str, finding: dict) -> None:
        con.execute(
            "insert into deliveries(key, notice, channel, recipient, queued_at, finding) "
            "values (?,?,?,?,?,?)",
            (key, notice, channel, recipient, _now(), json.dumps(finding)),
        )

    def pending(self) -> list[sqlite3.Row]:
        return self.con.execute("select * from deliveries where sent_at is null order by id").fetchall()

    def mark_sent(self, ids: list[int]) -> None:
        with self.transaction() as con:
            con.executemany(
                "update deliveries set sent_at = ?, attempts = attempts + 1, last_error = null where id = ?",
                [(_now(), i) for i in ids],
            )

    def mark_failed(self, ids: list[int], error: str) -> None:
        with self.transaction() as con:
            con.executemany(
                "update deliveries set attempts = attempts + 1, last_error = ? where id = ?",
                [(error[:500], i) for i in ids],
            )

    def deliveries(self) -> list[dict]:
        return [dict(r) for r in self.con.execute("select * from deliveries order by id").fetchall()]


@contextmanager
def run_lock(db: Path):
    """One alerts run at a time per warehouse."""
    path = Path(db)
    lock = path.with_name(f"{path.stem}-alerts.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
