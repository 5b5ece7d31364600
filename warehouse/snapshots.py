"""Published snapshots of the warehouse: how readers and writers stay out of each other's way.

DuckDB locks a database file per process (one process may write it, or several may read it, never
both): while the dashboard holds the file open, an ingest cannot write it, and while an ingest
writes, the dashboard cannot open it, not even read-only. So ingest writes the *ingest database*
(CX_DB), and `cx build` builds every model into a brand-new file under `<db>-serving/`, then
publishes it by atomically replacing the pointer file CURRENT.
Readers resolve CURRENT and open that snapshot read-only: they see the old snapshot or the new
one, never a mix, and they never hold a lock the writer needs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

KEEP_SNAPSHOTS = 3


def serving_dir(db: Path) -> Path:
    return db.parent / f"{db.stem}-serving"


def new_snapshot_path(db: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return serving_dir(db) / f"snapshot-{stamp}-{os.getpid()}.duckdb"


def publish(db: Path, snapshot: Path) -> None:
    """Point readers at `snapshot` (atomic rename of the pointer), then drop old snapshots."""
    pointer = serving_dir(db) / "CURRENT"
    tmp = pointer.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(snapshot.name)
    os.replace(tmp, pointer)
    old = sorted(p for p in serving_dir(db).glob("snapshot-*.duckdb") if p.name != snapshot.name)
    # A reader may still have an older snapshot open; unlinking an open file is safe on POSIX,
    # and the newest few are kept for readers that resolved CURRENT a moment ago.
    for path in old[: max(0, len(old) - (KEEP_SNAPSHOTS - 1))]:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)


def current_snapshot(db: Path) -> Path | None:
    pointer = serving_dir(db) / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    path = serving_dir(db) / name
    return path if path.exists() else None
