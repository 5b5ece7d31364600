"""The append-only audit log: who signed in, viewed, downloaded, exported or froze what, and when.

JSON lines beside the warehouse, one file a month (`<warehouse folder>/audit/audit-YYYY-MM.jsonl`),
outside the read-only snapshot. Each event is one line written with a single `write` on a file
opened with O_APPEND, so the dashboard's processes and the command line can append at the same
time without interleaving (a DuckDB file takes one writer process at a time). Lines are never
rewritten; reading skips a line that is not JSON (a disk that filled mid-write) instead of failing.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

EVENTS = (
    "sign_in",
    "sign_out",
    "page_view",
    "download",
    "board_pack",
    "targets",
    "denied",
    "cli",
    "alerts",
    "inbox",
    "follow_up",  # a follow-up status set on the Voice of the customer page (warehouse/followups.py)
    "erasure",  # cx forget: counts per place and the request's id, never the person's identifiers
    "retention",  # cx retention --apply, cx inbox: what the retention policy deleted
)
COLUMNS = ("at", "event", "user", "role", "page", "filters", "scope", "format", "rows", "sha256", "detail")


def audit_dir(db: Path) -> Path:
    return Path(db).parent / "audit"


def record(db: Path, event: str, user: str, **fields) -> dict:
    """Append one event. `fields`: role, page, filters, scope, format, rows, sha256, detail."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    now = datetime.now(UTC)
    row = {"at": now.isoformat(timespec="milliseconds"), "event": event, "user": user}
    row.update({k: v for k, v in fields.items() if k in COLUMNS and v is not None})
    line = (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    folder = audit_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"audit-{now:%Y-%m}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return row


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(db: Path, limit: int | None = None) -> pl.DataFrame:
    """Every event, newest first (at most `limit`)."""
    rows: list[dict] = []
    for path in sorted(audit_dir(db).glob("audit-*.jsonl"), reverse=True):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict):
                    rows.append({c: _value(c, row.get(c)) for c in COLUMNS})
    schema = {c: pl.Int64 if c == "rows" else pl.Utf8 for c in COLUMNS}
    frame = pl.DataFrame(rows or None, schema=schema).sort("at", descending=True)
    return frame.head(limit) if limit else frame


def _value(column: str, value):
    if column == "rows":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None if value is None else str(value)
