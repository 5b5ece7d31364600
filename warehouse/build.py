"""`cx build`: run every SQL model into a new snapshot and publish it.

The ingest database is attached read-only as `src`; each model becomes a table in the snapshot,
in dependency order, inside one transaction. Each table is checked against its model's declared
grain (`-- unique_key:`, warehouse/project.py): a key value that repeats, or a null where the key
allows none, fails the build. Only when all models succeeded is the snapshot published
(snapshots.publish), so a failed build leaves readers on the previous one. Whatever stops it (a
model's error, a broken grain, a lock, a full disk) is a BuildError of one line, and its file is
removed.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import incremental, snapshots
from warehouse.project import Model, build_order, load_models
from warehouse.sql_text import literal


class BuildError(Exception):
    pass


@dataclass
class BuildResult:
    snapshot: Path
    seconds: float
    models: dict[str, int] = field(default_factory=dict)  # model -> row count
    # an incremental build: model -> carried over / incremental / full: <why>; empty for a full one
    modes: dict[str, str] = field(default_factory=dict)
    why_full: str | None = None  # why the build was a full one (None: it was incremental)

    @property
    def how(self) -> str:
        """`full` or `incremental` with what it did, for the command's summary line."""
        if not self.modes:
            return "full"
        kinds = [mode.split(":")[0] for mode in self.modes.values()]
        parts = [f"{kinds.count(k)} {k}" for k in ("incremental", "carried over", "full") if k in kinds]
        return "incremental: " + ", ".join(parts)


# DuckDB's memory for a build (CX_BUILD_MEMORY_GB). Without a limit DuckDB takes up to 80% of the
# machine and a build's peak grew with the data (3.2 GB at 10M order lines, 15.4 GB at 50M): with
# one, the sorts, joins and window functions spill to `build-tmp/` beside the snapshots instead.
DEFAULT_MEMORY_GB = 3.0


def build(
    db: Path,
    quiet: bool = True,
    time_zone: str = "UTC",
    memory_gb: float = DEFAULT_MEMORY_GB,
    full: bool = False,
    first: Callable[[], None] | None = None,
) -> BuildResult:
    """Build the models from the ingest database `db` into a new snapshot and publish it. Day and
    month boundaries (the staging models' *_date columns) are those of `time_zone` (CX_TIME_ZONE,
    an IANA name such as Australia/Sydney); timestamps stay UTC. DuckDB holds at most `memory_gb`
    of data in memory and spills the rest to a temporary folder beside the snapshots.
    Unless `full`, the build is incremental when it can be (warehouse/incremental.py): the
    published snapshot, copied and brought up to date with what changed since it was built.
    `first`, if given, runs before the models read the ingest database (the VoC step, which writes
    its scores there): while the published snapshot is copied, as the copy is the kernel's work and
    the step mostly Python's (a day at 10M order lines: the 1.6 GB copy takes 0.5 s on ext4 from the
    page cache, 2.4-4.7 s from disk, beside a step of ~2 s)."""
    db = Path(db)
    if not db.exists():
        raise BuildError(f"{db}: no ingest database yet; run `cx ingest` (or `cx demo`) first")
    started = time.perf_counter()
    folder = snapshots.serving_dir(db)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        snapshots.remove_abandoned(db)
    except OSError as exc:
        raise BuildError(f"cannot write the snapshot folder {folder}: {exc.strerror or exc}") from None
    built = snapshots.new_build_path(db)
    spill = built.with_name(built.stem + "-tmp")
    ordered = build_order(load_models())
    previous, state, why_full = _previous(db, full, time_zone)
    counts: dict[str, int] = {}
    modes: dict[str, str] = {}
    con = None
    try:
        steps = _Steps(quiet)
        _copy_while(previous if why_full is None else None, built, first)
        if first is not None:  # the step says what it did in its own line (`cx build`: the VoC step's)
            copied = why_full is None
            steps.done("copy of the snapshot, beside the first step" if copied else "the first step")
        elif why_full is None:
            steps.done("copy of the published snapshot")
        con = duckdb.connect(str(built))
        limit_memory(con, memory_gb, spill)
        try:
            con.execute(f"attach {literal(db)} as src (read_only)")
        except duckdb.IOException as exc:  # DuckDB's file lock: an ingest (or build) has it
            raise BuildError(
                f"{db} is in use by another process (an ingest running?); run `cx build` again when "
                f"it has finished. {str(exc).splitlines()[0]}"
            ) from None
        con.execute("begin transaction")
        sources = incremental.source_states(con, ordered)
        steps.done("the sources' state (rows, ingest runs, checksums)")
        if why_full is None:
            try:
                counts, modes = incremental.run(
                    con, ordered, state, sources, time_zone, create_model_table, _check_partitions, quiet
                )
            except incremental.IncrementalError as exc:
                raise BuildError(f"{exc}; `cx build --full` builds without it") from None
        else:
            for model in ordered:
                counts[model.name] = create_model_table(con, model, model.render(time_zone=time_zone), quiet)
        steps.done("models", quietly=True)
        incremental.write_state(con, ordered, time_zone, sources)
        con.execute("commit")
        con.execute("detach src")
        con.execute("checkpoint")
        con.close()
        steps.done("commit and checkpoint")
        shutil.rmtree(spill, ignore_errors=True)
        snapshot = snapshots.publish(db, built)
    except BaseException as exc:
        if con is not None:
            with contextlib.suppress(duckdb.Error):  # after a fatal error DuckDB may refuse even this
                con.close()
        snapshots.remove(built)
        shutil.rmtree(spill, ignore_errors=True)
        if isinstance(exc, duckdb.Error | OSError):  # a full disk, most likely: one line, no traceback
            raise BuildError(
                f"could not write the new snapshot in {folder} ({_one_line(exc)}); "
                "the published snapshot is unchanged"
            ) from None
        raise
    return BuildResult(snapshot, time.perf_counter() - started, counts, modes, why_full)


def _copy_while(previous: Path | None, built: Path, first: Callable[[], None] | None) -> None:
    """Copy `previous` (the published snapshot, brought up to date by an incremental build) to
    `built` while `first` runs; either may be absent. The copy's error, if any, is raised once
    `first` is done, so nothing is left writing `built` when the build removes it."""
    if previous is None:
        if first is not None:
            first()
        return
    if first is None:
        snapshots.copy(previous, built)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-copy") as pool:
        copying = pool.submit(snapshots.copy, previous, built)
        try:
            first()
        finally:
            copying.result()  # waits; raises the copy's OSError (a full disk) in this thread


class _Steps:
    """Prints how long a build's steps around the models took (unless quiet)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.started = quiet, time.perf_counter()

    def done(self, step: str, quietly: bool = False) -> None:
        if not self.quiet and not quietly:
            print(f"  {'':8} {step:53} {time.perf_counter() - self.started:7.1f} s")
        self.started = time.perf_counter()


def _previous(db: Path, full: bool, time_zone: str) -> tuple[Path | None, dict | None, str | None]:
    """The published snapshot and its build state, and why the build must be a full one (None when
    it can be incremental). The state is read from the snapshot opened read-only, as readers do."""
    if full:
        return None, None, "asked for (--full)"
    previous = snapshots.current_snapshot(db)
    if previous is None:
        return None, None, "no snapshot published yet"
    try:
        with duckdb.connect(str(previous), read_only=True) as con:
            state = incremental.read_state(con)
    except duckdb.Error as exc:
        return None, None, f"the published snapshot cannot be read ({_one_line(exc)})"
    why = incremental.unusable_reason(state, time_zone)
    return (None, None, why) if why else (previous, state, None)


def limit_memory(con: duckdb.DuckDBPyConnection, memory_gb: float, spill: Path) -> None:
    """Cap DuckDB's memory and give it a folder to spill to; insertion order is not kept (the
    models' tables have no order), which lets big operators stream instead of buffering."""
    con.execute(f"set memory_limit = '{int(memory_gb * 1024)}MB'")
    con.execute(f"set temp_directory = {literal(spill)}")
    con.execute("set preserve_insertion_order = false")


def create_model_table(con: duckdb.DuckDBPyConnection, model: Model, select_sql: str, quiet: bool) -> int:
    """Create the model's table from `select_sql` (its rendered SQL, or the Spark engine's Parquet),
    check its declared grain and return its rows; any DuckDB error is the model's BuildError."""
    started = time.perf_counter()
    try:
        con.execute(f"create table {model.name} as {select_sql}")
        _check_key(con, model)
    except duckdb.Error as exc:
        raise BuildError(f"model {_model_path(model)}: {_one_line(exc)}") from exc
    rows = con.execute(f"select count(*) from {model.name}").fetchone()[0]
    if not quiet:  # the seconds show which models a bigger warehouse makes slow
        print(f"  {model.layer:8} {model.name:40} {rows:>12,} rows {time.perf_counter() - started:7.1f} s")
    return rows


def _check_partitions(con: duckdb.DuckDBPyConnection, model: Model, table: str) -> None:
    """The grain check of the rows an incremental build computed again (`table`); the partition
    column is in the key and every such row is in a rebuilt partition, so a key repeats only there."""
    try:
        _check_key(con, model, table=table)
    except duckdb.Error as exc:
        raise BuildError(f"model {_model_path(model)}: {_one_line(exc)}") from exc


def _check_key(con: duckdb.DuckDBPyConnection, model: Model, table: str | None = None) -> None:
    """Raise BuildError when the built table breaks its model's declared unique key."""
    sql = model.key_check_sql(table)
    if sql is None:
        return
    repeated_hashes, null_rows = con.execute(sql).fetchone()
    duplicates, example = 0, None
    if repeated_hashes:
        duplicates = con.execute(f"select count(*) from ({model.duplicate_keys_sql(table)})").fetchone()[0]
        example = con.execute(f"{model.duplicate_keys_sql(table)} limit 1").fetchone()
    if not duplicates and not null_rows:
        return
    key = ", ".join(model.unique_key or [])
    problems = []
    if duplicates:
        shown = ", ".join(f"{c}={v}" for c, v in zip(model.unique_key or [], example, strict=False))
        problems.append(f"{duplicates:,} repeated ({key}) values, e.g. {shown} on {example[-1]:,} rows")
    if null_rows:
        allowed = ", ".join(model.nullable_key_columns) or "none"
        problems.append(f"{null_rows:,} rows with a null key column (nullable_key_columns: {allowed})")
    raise BuildError(f"model {_model_path(model)}: breaks its unique_key: {'; '.join(problems)}")


def _model_path(model: Model) -> Path:
    return model.path.relative_to(model.path.parents[2])


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
