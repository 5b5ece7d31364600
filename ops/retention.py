"""Apply the retention policy (config/retention.py) to the ingest database and the audit log.

    report = retention(db, policy, today)               # what has passed the policy: counts only
    report = retention(db, policy, today, apply=True)   # delete it (cx retention --apply, cx inbox)

Each kind's rows dated before its cut-off (today minus its period) are deleted from the ingest
database in one transaction (survey comments are blanked: the answer's score stays until the
answers' own period), and the audit log's month files whose last day is before the audit cut-off
are deleted. The published snapshots still hold the old rows until the next build: the caller
(`cx retention --apply`, `cx inbox`) builds and then removes the older snapshots
(warehouse.snapshots.remove_older) when anything was deleted.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from config.retention import KINDS, Policy
from ingest.store import ensure_schema
from warehouse import audit

# kind -> (table, date column); customers and comments have their own statements below
TABLES = {
    "orders": ("raw.orders", "ordered_at"),
    "order_headers": ("raw.order_headers", "ordered_at"),
    "contacts": ("raw.contacts", "opened_at"),
    "surveys": ("raw.surveys", "answered_at"),
    "sessions": ("raw.sessions", "started_at"),
    "quarantine": ("meta.quarantine", "quarantined_at"),
}
_ACTIVITY = " or ".join(
    f"exists (select 1 from raw.{t} a where a.customer_id = c.customer_id)"
    for t in ("orders", "order_headers", "contacts", "surveys", "sessions")
)
# a spell ended before the cut-off (a later spell started by then), or nothing else of the customer kept
CUSTOMERS_PAST = (
    "c.tier_since < $cutoff and ("
    "exists (select 1 from raw.customers n where n.customer_id = c.customer_id "
    "and n.tier_since > c.tier_since and n.tier_since <= $cutoff) "
    f"or not ({_ACTIVITY}))"
)
# the statements: (count of what has passed, the oldest kept, the deletion)
STATEMENTS = {
    **{
        kind: (
            f"select count(*) from {table} where {column} < $cutoff",
            f"select min({column}) from {table}",
            f"delete from {table} where {column} < $cutoff",
        )
        for kind, (table, column) in TABLES.items()
    },
    "comments": (
        "select count(*) from raw.surveys where comment is not null and answered_at < $cutoff",
        "select min(answered_at) from raw.surveys where comment is not null",
        "update raw.surveys set comment = null where comment is not null and answered_at < $cutoff",
    ),
    "customers": (
        f"select count(*) from raw.customers c where {CUSTOMERS_PAST}",
        "select min(tier_since) from raw.customers",
        f"delete from raw.customers c where {CUSTOMERS_PAST}",
    ),
}
# deleted in this order: customers last, once their activity is gone
ORDER = ("orders", "order_headers", "contacts", "surveys", "comments", "sessions", "quarantine", "customers")


@dataclass
class KindResult:
    kind: str
    kept_for: str
    cutoff: date | None  # None: kept forever
    past: int  # rows (audit: month files) dated before the cut-off
    oldest: str | None  # the oldest kept (before anything is deleted), ISO text
    removed: int = 0

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "kept_for": self.kept_for,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "past": self.past,
            "oldest": self.oldest,
            "removed": self.removed,
        }


@dataclass
class RetentionReport:
    policy: str  # where the policy came from
    today: date
    applied: bool
    kinds: list[KindResult] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return sum(k.removed for k in self.kinds)

    @property
    def removed_from_database(self) -> int:
        return sum(k.removed for k in self.kinds if k.kind != "audit")

    def as_dict(self) -> dict:
        return {
            "policy": self.policy,
            "today": self.today.isoformat(),
            "applied": self.applied,
            "kinds": [k.as_dict() for k in self.kinds],
        }


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()


def audit_months(db: Path) -> list[tuple[date, Path]]:
    """The audit log's month files: (the month's last day, file), oldest first."""
    out = []
    for path in audit.audit_dir(db).glob("audit-*.jsonl"):
        try:
            year, month = (int(x) for x in path.stem.removeprefix("audit-").split("-"))
            last = date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            continue
        out.append((last, path))
    return sorted(out)


def oldest_audit(db: Path) -> str | None:
    months = audit_months(db)
    return f"{months[0][0]:%Y-%m}" if months else None


def retention(db: Path, policy: Policy, today: date, *, apply: bool = False) -> RetentionReport:
    """What has passed the policy (and, with `apply`, delete it). The ingest database must not be
    in use by another process (DuckDB's lock: an ingest or a build)."""
    db = Path(db)
    report = RetentionReport(policy.origin, today, apply)
    results: dict[str, KindResult] = {}
    if db.exists():
        con = duckdb.connect(str(db), read_only=not apply)
        try:
            if apply:
                ensure_schema(con)
            for kind in ORDER:
                results[kind] = _database_kind(con, kind, policy, today)
            if apply and any(r.past for r in results.values()):
                con.execute("begin transaction")
                try:
                    for kind in ORDER:
                        r = results[kind]
                        if r.past:
                            r.removed = con.execute(STATEMENTS[kind][2], {"cutoff": r.cutoff}).fetchone()[0]
                    _drop_scores_of_removed_comments(con)
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise
                con.execute("checkpoint")
                if results["surveys"].removed:
                    _forget_follow_ups_of_removed_answers(db, con)
        finally:
            con.close()
    results["audit"] = _audit_kind(db, policy, today, apply)
    report.kinds = [results[k] for k in KINDS if k in results]
    return report


def _drop_scores_of_removed_comments(con) -> None:
    """The VoC step's scores (language, sentiment, theme, the text's md5) go with their comment:
    a blanked comment or a deleted answer leaves none behind."""
    has_scores = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'voc' and table_name = 'comment_scores'"
    ).fetchone()[0]
    if has_scores:
        con.execute(
            "delete from voc.comment_scores where response_id not in "
            "(select response_id from raw.surveys where comment is not null and response_id is not null)"
        )


def _forget_follow_ups_of_removed_answers(db: Path, con) -> int:
    """A follow-up (status, history, the staff's notes) goes with its answer: those of answers the
    policy deleted are removed from the follow-up store (few rows: only answers followed up)."""
    from warehouse import followups

    path = followups.store_path(db)
    if not path.exists():
        return 0
    with followups.FollowUpStore(path) as store:
        followed = sorted(
            set(store.current()["response_id"].to_list()) | set(store.history()["response_id"].to_list())
        )
        if not followed:
            return 0
        kept = {
            r[0]
            for r in con.execute(
                "select distinct response_id from raw.surveys where response_id in (select unnest($ids))",
                {"ids": followed},
            ).fetchall()
        }
        return store.erase_responses(r for r in followed if r not in kept)


def _database_kind(con, kind: str, policy: Policy, today: date) -> KindResult:
    period = policy.periods[kind]
    count_sql, oldest_sql, _ = STATEMENTS[kind]
    oldest = _iso(con.execute(oldest_sql).fetchone()[0])
    if period is None:
        return KindResult(kind, policy.describe(kind), None, 0, oldest)
    cutoff = period.cutoff(today)
    past = con.execute(count_sql, {"cutoff": cutoff}).fetchone()[0]
    return KindResult(kind, policy.describe(kind), cutoff, past, oldest)


def _audit_kind(db: Path, policy: Policy, today: date, apply: bool) -> KindResult:
    period = policy.periods["audit"]
    months = audit_months(db)
    cutoff = period.cutoff(today) if period is not None else None
    past = [path for last, path in months if cutoff is not None and last < cutoff]
    result = KindResult("audit", policy.describe("audit"), cutoff, len(past), oldest_audit(db))
    if apply:
        for path in past:
            path.unlink(missing_ok=True)
        result.removed = len(past)
    return result


def enforce(db: Path, policy: Policy, today: date, build) -> tuple[RetentionReport, str | None]:
    """Apply the policy; when rows were deleted, build a snapshot without them (`build(db)`:
    warehouse.build.build) and remove the older snapshots; one audit line when anything was
    deleted. Returns the report and the new snapshot's name (None: no build was needed)."""
    from warehouse import snapshots

    report = retention(db, policy, today, apply=True)
    built = None
    if report.removed_from_database and snapshots.current_snapshot(db) is not None:
        built = Path(build(db).snapshot).name
        snapshots.remove_older(db)
    record(db, report, built, "cx retention")
    return report, built


def record(db: Path, report: RetentionReport, built: str | None, user: str) -> None:
    """The audit line of an applied policy that deleted something (counts per kind, no data)."""
    import json

    if not report.removed:
        return
    removed = {k.kind: k.removed for k in report.kinds if k.removed}
    detail = {"policy": report.policy, "removed": removed, "snapshot": built}
    audit.record(db, "retention", user, detail=json.dumps(detail))
