"""`cx build`: run every SQL model into a new snapshot and publish it.

The ingest database is attached read-only as `src`; each model becomes a table in the snapshot,
in dependency order, inside one transaction. Only when all models succeeded is the snapshot
published (snapshots.publish), so a failed build leaves readers on the previous one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import snapshots
from warehouse.project import build_order, load_models
from warehouse.sql_text import literal


class BuildError(Exception):
    pass


@dataclass
class BuildResult:
    snapshot: Path
    seconds: float
    models: dict[str, int] = field(default_factory=dict)  # model -> row count


def build(db: Path, quiet: bool = True) -> BuildResult:
    db = Path(db)
    if not db.exists():
        raise BuildError(f"{db}: no ingest database yet; run `cx ingest` (or `cx demo`) first")
    started = time.perf_counter()
    snapshot = snapshots.new_snapshot_path(db)
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    ordered = build_order(load_models())
    con = duckdb.connect(str(snapshot))
    counts: dict[str, int] = {}
    try:
        con.execute("set preserve_insertion_order = false")
        try:
            con.execute(f"attach {literal(db)} as src (read_only)")
        except duckdb.IOException as exc:  # DuckDB's file lock: an ingest (or build) has it
            raise BuildError(
                f"{db} is in use by another process (an ingest running?); run `cx build` again when "
                f"it has finished. {str(exc).splitlines()[0]}"
            ) from None
        con.execute("begin transaction")
        for model in ordered:
            try:
                con.execute(f"create table {model.name} as {model.render()}")
            except duckdb.Error as exc:
                raise BuildError(f"model {model.path.relative_to(model.path.parents[2])}: {exc}") from exc
            counts[model.name] = con.execute(f"select count(*) from {model.name}").fetchone()[0]
            if not quiet:
                print(f"  {model.layer:8} {model.name:40} {counts[model.name]:>12,} rows")
        con.execute("commit")
        con.execute("detach src")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        snapshot.unlink(missing_ok=True)
        Path(f"{snapshot}.wal").unlink(missing_ok=True)
        raise
    con.close()
    snapshots.publish(db, snapshot)
    return BuildResult(snapshot, time.perf_counter() - started, counts)
