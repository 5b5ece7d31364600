"""Closing the loop: the follow-up status of survey answers, kept beside the warehouse.

A small SQLite file, `<warehouse folder>/followups/followups.sqlite`, outside the read-only
snapshot: a rebuild publishes a new snapshot and never touches it, so statuses survive every
`cx build`. WAL mode, a busy timeout and one `begin immediate` transaction per write let the
dashboard's processes (and the command line) write at once without losing a write.

Tables:
- `follow_up_history`: every status ever set, append-only: response_id, status (open, contacted,
  resolved), owner (the signed-in e-mail of whoever set it), at (UTC, ISO), note.
- `follow_up_status`: the current status per response_id (its latest history row) and the time of
  its first follow-up (the first status that was not `open`).
- `store_meta`: `version`, a counter raised by every write and erase, so the dashboard's cache of
  the follow-up list (keyed by it) never serves a status older than the store's.

An answer with no row is `open` with nobody on it. `erase_responses` removes every trace of
given answers (the privacy "forget" command calls it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from warehouse.sqlite_store import TIMEOUT_S, connect_for_writing

STATUSES = ("open", "contacted", "resolved")
NOTE_MAX = 2000
SCHEMA = """
create table if not exists follow_up_history(
    id integer primary key autoincrement,
    response_id text not null,
    status text not null check (status in ('open', 'contacted', 'resolved')),
    owner text not null,
    at text not null,
    note text not null default '');
create index if not exists follow_up_history_response on follow_up_history(response_id, id);
create table if not exists follow_up_status(
    response_id text primary key,
    status text not null check (status in ('open', 'contacted', 'resolved')),
    owner text not null,
    at text not null,
    note text not null default '',
    first_follow_up_at text);
create table if not exists store_meta(key text primary key, value integer not null);
insert or ignore into store_meta(key, value) values ('version', 0);
"""
CURRENT_SCHEMA = {
    "response_id": pl.Utf8,
    "status": pl.Utf8,
    "owner": pl.Utf8,
    "status_at": pl.Datetime("us"),
    "note": pl.Utf8,
    "first_follow_up_at": pl.Datetime("us"),
}
HISTORY_SCHEMA = {
    "response_id": pl.Utf8,
    "status": pl.Utf8,
    "owner": pl.Utf8,
    "at": pl.Datetime("us"),
    "note": pl.Utf8,
}


class FollowUpError(ValueError):
    """A status the store refuses (unknown status, no owner, a note too long)."""


def store_path(db: Path) -> Path:
    """The store of the warehouse whose ingest database is `db`."""
    return Path(db).parent / "followups" / "followups.sqlite"


def open_store(db: Path) -> FollowUpStore:
    """The store of the warehouse whose ingest database is `db`, created if needed: what the
    privacy "forget" command uses (`with open_store(db) as s: s.erase_responses(ids)`)."""
    return FollowUpStore(store_path(db))


def store_path_of_snapshot(snapshot: Path) -> Path:
    """The same store, found from a published snapshot (`<db folder>/<db>-serving/snapshot-*.duckdb`)."""
    return Path(snapshot).parent.parent / "followups" / "followups.sqlite"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _iso(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


class FollowUpStore:
    """One connection to the store (create it, or open it as it is)."""

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        if not create:  # a reader: never creates the store, never writes its schema
            uri = self.path.resolve().as_uri() + "?mode=ro"  # as_uri: a ? or # in the path stays a path
            self.con = sqlite3.connect(uri, uri=True, timeout=TIMEOUT_S, isolation_level=None)
            self.con.execute(f"pragma busy_timeout={TIMEOUT_S * 1000}")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect_for_writing(self.path)
        # idempotent statements: two processes creating the store at once both succeed
        self.con.executescript(SCHEMA)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> FollowUpStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        self.con.execute("begin immediate")  # the write lock now: no two read-then-write races
        try:
            yield self.con
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    # -- writes ---------------------------------------------------------------------------------
    def set_status(
        self, response_id: str, status: str, owner: str, note: str = "", at: datetime | None = None
    ) -> dict:
        """Record `status` for an answer, by `owner`, now (or `at`): a history row and the new
        current status, in one transaction. Returns the current status row."""
        response_id = str(response_id).strip()
        owner = str(owner or "").strip()
        note = str(note or "").strip()
        if status not in STATUSES:
            raise FollowUpError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
        if not response_id:
            raise FollowUpError("a follow-up needs the answer's response_id")
        if not owner:
            raise FollowUpError("a follow-up needs who set it (the signed-in e-mail)")
        if len(note) > NOTE_MAX:
            raise FollowUpError(f"a note holds at most {NOTE_MAX} characters (this one has {len(note)})")
        stamp = _iso(at or _now())
        first = stamp if status != "open" else None
        with self.transaction() as con:
            con.execute(
                "insert into follow_up_history(response_id, status, owner, at, note) values (?,?,?,?,?)",
                (response_id, status, owner, stamp, note),
            )
            con.execute(
                "insert into follow_up_status(response_id, status, owner, at, note, first_follow_up_at) "
                "values (?,?,?,?,?,?) on conflict(response_id) do update set status = excluded.status, "
                "owner = excluded.owner, at = excluded.at, note = excluded.note, "
                "first_follow_up_at = coalesce(follow_up_status.first_follow_up_at, "
                "excluded.first_follow_up_at)",
                (response_id, status, owner, stamp, note, first),
            )
            con.execute("update store_meta set value = value + 1 where key = 'version'")
            row = con.execute(
                "select * from follow_up_status where response_id = ?", (response_id,)
            ).fetchone()
        return dict(
            zip(("response_id", "status", "owner", "at", "note", "first_follow_up_at"), row, strict=True)
        )

    def erase_responses(self, response_ids: Iterable[str]) -> int:
        """Remove every status and history row of these answers (privacy: forget a person).
        Returns the number of rows removed (history and current together)."""
        ids = sorted({str(r) for r in response_ids})
        if not ids:
            return 0
        removed = 0
        with self.transaction() as con:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                removed += con.execute(
                    f"delete from follow_up_history where response_id in ({marks})", chunk
                ).rowcount
                removed += con.execute(
                    f"delete from follow_up_status where response_id in ({marks})", chunk
                ).rowcount
            con.execute("update store_meta set value = value + 1 where key = 'version'")
        return removed

    # -- reads ----------------------------------------------------------------------------------
    def count_rows(self, response_ids: Iterable[str]) -> int:
        """Rows (history and current) the store holds for these answers."""
        ids = sorted({str(r) for r in response_ids})
        total = 0
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for table in ("follow_up_history", "follow_up_status"):
                total += self.con.execute(
                    f"select count(*) from {table} where response_id in ({marks})", chunk
                ).fetchone()[0]
        return total

    def version(self) -> int:
        return self.con.execute("select value from store_meta where key = 'version'").fetchone()[0]

    def current(self) -> pl.DataFrame:
        """The current status of every answer that has one (others are open, with nobody)."""
        rows = self.con.execute(
            "select response_id, status, owner, at, note, first_follow_up_at from follow_up_status "
            "order by response_id"
        ).fetchall()
        return _frame(rows, CURRENT_SCHEMA, ("status_at", "first_follow_up_at"))

    def history(self, response_id: str | None = None) -> pl.DataFrame:
        """Every status set (of one answer, or all), oldest first."""
        sql = "select response_id, status, owner, at, note from follow_up_history"
        args: tuple = ()
        if response_id is not None:
            sql += " where response_id = ?"
            args = (str(response_id),)
        rows = self.con.execute(sql + " order by id", args).fetchall()
        return _frame(rows, HISTORY_SCHEMA, ("at",))


def _chunks(ids: list[str], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _frame(rows: list[tuple], schema: dict, times: tuple[str, ...]) -> pl.DataFrame:
    text = {k: (pl.Utf8 if k in times else v) for k, v in schema.items()}
    frame = pl.DataFrame(rows, schema=text, orient="row")
    return frame.with_columns(
        pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us") for c in times
    )


def empty_history() -> pl.DataFrame:
    return pl.DataFrame(schema=HISTORY_SCHEMA)


def read_current(path: Path) -> pl.DataFrame:
    """The current statuses of the store at `path`; an empty frame when there is no store yet
    (reading never creates one)."""
    if not Path(path).exists():
        return pl.DataFrame(schema=CURRENT_SCHEMA)
    with FollowUpStore(path, create=False) as store:
        return store.current()


def read_version(path: Path) -> int:
    """The store's write counter (0 when there is no store yet)."""
    if not Path(path).exists():
        return 0
    with FollowUpStore(path, create=False) as store:
        return store.version()
