"""An incremental build: the published snapshot, copied, brought up to date with what changed.

A retailer loads a day's exports into history of years; rebuilding every model from all of it for
each day costs the whole build. Here the new snapshot starts as a copy of the published one (a file
copy, warehouse/snapshots.copy: a snapshot is one DuckDB file, and copying it is much cheaper than
computing it; a clone on filesystems that share blocks), and each model, in dependency order, is
- carried over when none of its inputs changed (the copy already holds it);
- built incrementally when it declares partitions (`-- incremental:`, warehouse/project.py) and
  every input that changed is one it knows how to follow (`-- incremental_changes:`): the rows of
  the changed partitions are deleted and computed again from the inputs filtered to them
  ({{ changed('...') }}), so a day's new orders rebuild those orders, their days of the daily
  marts, and nothing else;
- slid, for the period marts whose rows are figures as of period ends that a day moves
  (`-- slides:`, `-- slides_by_sums:`; warehouse/sliding.py): the rows of the customers a day did
  not touch move to the new ends, the others' are computed again;
- rebuilt in full otherwise (a small model, a changed model file, an input changed beyond what it
  follows), and then compared with its previous rows so that its consumers see only what differs.
What changed is carried from model to model as *deltas*: a temporary table per model with the old
and the new rows of its changed partitions (or `all`, which makes every consumer rebuild in full).
A source's delta is its rows loaded by ingest runs the previous build did not see; a source whose
rows were deleted or rewritten in place (erasure, retention, masking: its `mutable_columns` in
sources.toml) is `all`. The state that decides this (the runs and row counts per source, a checksum
of the mutable columns, each model's rendered SQL) is kept in the snapshot's `build_state` schema;
without it (a snapshot of an older version, a Spark build) the build is a full one.

The result is the same tables a full build gives (tests/warehouse/test_incremental.py compares every
table, row for row); only the rows' storage order differs (new rows are appended after the
copied ones, sorted among themselves by the model's cluster_by), which `cx build --full` restores.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import duckdb

from warehouse import sliding
from warehouse.project import CHANGED_TABLE, Model, declared_source_specs

# Bumped whenever what a snapshot's build state means changes: an older state then forces a full build.
ENGINE_VERSION = 1
STATE_SCHEMA = "build_state"
# A model rebuilt in full is compared with its previous rows (_difference) when both hold at
# most this many rows together; a bigger one is `all` for its consumers (the comparison would cost
# about what rebuilding them does). The one such model of the demo is stg_voc__comment_scores: at
# 100M order lines its 3.5M rows (7M with the old ones) were above the 4M this was while the
# comparison was EXCEPT ALL (5.9 s for 3.5M rows a side), and fct_comments with its marts then
# rebuilt in full (fct_comments alone 9 s); set EXCEPT compares them in 1.2 s.
DIFF_MAX_ROWS = 12_000_000


# what run() does to a sliding model (`-- slides:`) and to one summing it (`-- slides_by_sums:`)
SLID = "incremental: slid from the period ends before"
SLID_WITH = "incremental: slid with {}"


class IncrementalError(Exception):
    """A model's incremental declarations do not match its SQL (warehouse/build.py says it in one line)."""


@dataclass
class Delta:
    """What changed in a model or source: nothing (table None, not every), the rows of a temporary
    table (old and new versions of the changed rows), or everything."""

    table: str | None = None
    every: bool = False
    # a dense-keyed model's older rows renumbered (warehouse/project.py dense_key): a model keeping
    # that key in its rows (`-- dense_key_from:`) is then rebuilt in full
    renumbered: bool = False
    # a sliding model's computed rows (warehouse/sliding.py): (previous rows, new rows) temp tables
    slid: tuple[str, str] | None = None

    @property
    def changed(self) -> bool:
        return self.every or self.table is not None


def source_states(con: duckdb.DuckDBPyConnection, ordered: list[Model]) -> dict[str, dict]:
    """The state of every source the models read (once per build: the ingest database is attached
    read-only, so no ingest can change it meanwhile)."""
    sources = sorted({s for m in ordered for s in m.sources})
    return {f"{schema}.{table}": source_state(con, schema, table) for schema, table in sources}


def source_state(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """Rows, ingest runs and the checksum of the columns rewritten in place of one source table."""
    listed, checksum = _state_sql(con, schema, table)
    rows, run_ids, *sums = con.execute(
        f"select count(*), {listed}, {checksum} from src.{schema}.{table} as t"
    ).fetchone()
    return {
        "rows": rows,
        "runs": [r for r in run_ids or [] if r is not None],
        "checksum": [str(s or 0) for s in sums],
    }


def _state_sql(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[str, str]:
    """(the list of its ingest runs, its checksums) as SQL over the source table aliased `t`: with
    run lineage, an append-only table but for its mutable columns (sources.toml), checksummed; the
    ingest's logs and the VoC step's scores, rewritten at will, have a checksum of every row.
    A checksum is a bit_xor of hashes, so that of old rows is that of all xor that of new ones."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = 'src' and schema_name = $s "
            "and table_name = $t",
            {"s": schema, "t": table},
        ).fetchall()
    }
    if "_run_id" not in columns:
        return "[]", "bit_xor(hash(t))"
    mutable = [c for c in declared_source_specs()[(schema, table)].get("mutable_columns", []) if c in columns]
    return "list(distinct _run_id order by _run_id)", ", ".join(f"bit_xor(hash({c}))" for c in mutable) or "0"


def sql_hash(model: Model, time_zone: str) -> str:
    return hashlib.md5(model.render(time_zone=time_zone).encode()).hexdigest()


def read_state(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The build state stored in the (copied) snapshot, or None when it has none."""
    try:
        row = con.execute(f"select value from {STATE_SCHEMA}.state").fetchone()
    except duckdb.CatalogException:
        return None
    return json.loads(row[0]) if row else None


def write_state(
    con: duckdb.DuckDBPyConnection, ordered: list[Model], time_zone: str, sources: dict[str, dict]
) -> None:
    """Record what this build saw (`sources`: source_states) and ran (models), for the next one."""
    state = {
        "engine_version": ENGINE_VERSION,
        "time_zone": time_zone,
        "sources": sources,
        "models": {m.name: sql_hash(m, time_zone) for m in ordered},
    }
    con.execute(f"create schema if not exists {STATE_SCHEMA}")
    con.execute(f"create or replace table {STATE_SCHEMA}.state (value varchar)")
    con.execute(f"insert into {STATE_SCHEMA}.state values ($v)", {"v": json.dumps(state)})


def unusable_reason(state: dict | None, time_zone: str) -> str | None:
    """Why the previous snapshot cannot be brought up to date (a full build is needed), or None."""
    if state is None:
        return "the published snapshot has no build state (built by an older version or by Spark)"
    if state.get("engine_version") != ENGINE_VERSION:
        return "the published snapshot was built by another version of the incremental build"
    if state.get("time_zone") != time_zone:
        return f"the business time zone changed ({state.get('time_zone')} -> {time_zone})"
    return None


def run(
    con: duckdb.DuckDBPyConnection,
    ordered: list[Model],
    state: dict,
    sources: dict[str, dict],
    time_zone: str,
    create_model_table,
    check_partitions,
    quiet: bool,
) -> tuple[dict[str, int], dict[str, str]]:
    """Bring the copied snapshot open in `con` up to date, model by model; returns rows per model
    and what was done to each (carried over, incremental, or full: why). `sources` is
    source_states() now, `state` what the published snapshot's build saw.
    `create_model_table(con, model, sql, quiet)` builds a model in full and checks its grain
    (warehouse/build.py); `check_partitions(con, model, table)` checks the grain of the rows just
    computed again (in `table`)."""
    deltas: dict[str, Delta] = {}
    for name, now in sources.items():
        deltas[name] = _source_delta(con, name, state["sources"].get(name), now)
    # A model rebuilt in full is compared with its previous rows only when an incremental model reads
    # it (what differs decides what that one rebuilds, and an empty difference lets it stay
    # incremental); models built only in full rebuild on any change, so for them `all` does.
    followed = {name for m in ordered if m.partition_column for name in m.inputs}
    existing = {
        r[0]
        for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
    }
    counts: dict[str, int] = {}
    modes: dict[str, str] = {}
    models_by_name = {m.name: m for m in ordered}
    for model in ordered:
        started = time.perf_counter()
        changed = {name: deltas[name] for name in model.inputs if deltas[name].changed}
        follows = {name for name, _, _ in model.incremental_changes}
        if model.name not in existing:
            mode = "full: new model"
        elif state["models"].get(model.name) != sql_hash(model, time_zone):
            mode = "full: its SQL changed"
        elif not changed:
            mode = "carried over"
        elif renumbered := [name for name in model.dense_key_from if deltas[name].renumbered]:
            mode = f"full: {', '.join(renumbered)} renumbered its rows"
        elif model.slides:
            why = sliding.unslidable(model, changed)
            mode = SLID if why is None else f"full: {why}"
        elif model.slides_by_sums:
            slid = set(changed) == {model.slides_by_sums} and deltas[model.slides_by_sums].slid
            mode = (
                SLID_WITH.format(model.slides_by_sums)
                if slid
                else f"full: {model.slides_by_sums} was not slid"
            )
        elif model.partition_column is None:
            mode = "full: built only in full"
        elif not set(changed) <= follows:
            mode = f"full: {', '.join(sorted(set(changed) - follows))} changed"
        elif any(d.every for d in changed.values()):
            every = ", ".join(sorted(n for n, d in changed.items() if d.every))
            mode = f"full: every row of {every} may have changed"
        else:
            mode = "incremental"
        if mode == "carried over":
            deltas[model.name] = Delta()
            counts[model.name] = con.execute(f"select count(*) from {model.name}").fetchone()[0]
        elif mode == "incremental":
            deltas[model.name], counts[model.name] = _incremental(
                con, model, changed, time_zone, check_partitions
            )
        elif mode == SLID:
            counts[model.name], slid = sliding.slide(con, model, changed, time_zone, check_partitions)
            deltas[model.name] = Delta(every=True, slid=slid)
        elif mode == SLID_WITH.format(model.slides_by_sums):
            source = model.slides_by_sums
            counts[model.name] = sliding.slide_sums(
                con, model, models_by_name[source].slides[0], deltas[source].slid, time_zone, check_partitions
            )
            deltas[model.name] = Delta(every=True)
        else:
            deltas[model.name], counts[model.name] = _full(
                con, model, time_zone, create_model_table, model.name in existing, model.name in followed
            )
        modes[model.name] = mode
        if not quiet:
            seconds = time.perf_counter() - started
            print(
                f"  {model.layer:8} {model.name:40} {counts[model.name]:>12,} rows {seconds:7.1f} s  {mode}"
            )
    for name in existing - {m.name for m in ordered}:  # a model file removed since
        con.execute(f"drop table {name}")
    return counts, modes


def _source_delta(con: duckdb.DuckDBPyConnection, name: str, before: dict | None, now: dict) -> Delta:
    """The rows of the source loaded by ingest runs the previous build did not see; `all` when rows it
    saw were deleted or rewritten in place (or it has no run lineage and changed at all)."""
    if before is None:
        return Delta(every=True)
    if now == before:
        return Delta()
    if not before["runs"] or not set(before["runs"]) <= set(now["runs"]):
        return Delta(every=True)  # no lineage, or a run's rows all deleted (erasure, retention)
    schema, table = name.split(".")
    delta = _delta_name(name)
    con.execute(
        f"create or replace temp table {delta} as select * from src.{name} where _run_id in "
        f"(select unnest($runs::varchar[]))",
        {"runs": sorted(set(now["runs"]) - set(before["runs"]))},
    )
    _, checksum = _state_sql(con, schema, table)
    added, *sums = con.execute(f"select count(*), {checksum} from {delta} as t").fetchone()
    # the rows the previous build saw: all of them but the new runs' (a bit_xor undoes itself)
    old_sums = [str(int(a) ^ int(b or 0)) for a, b in zip(now["checksum"], sums, strict=True)]
    if (now["rows"] - added, old_sums) != (before["rows"], before["checksum"]):
        con.execute(f"drop table {delta}")
        return Delta(every=True)  # rows the previous build saw were deleted or rewritten in place
    return Delta(table=delta)


def _incremental(
    con, model: Model, changed: dict[str, Delta], time_zone: str, check_partitions
) -> tuple[Delta, int]:
    """Delete the model's rows of the changed partitions and compute them again."""
    part = model.partition_column
    selects = []
    for name, column, via in model.incremental_changes:
        if name not in changed:
            continue
        delta = changed[name].table
        if via is None:
            selects.append(f"select {column} as value from {delta}")
        else:
            selects.append(
                f"select {part} as value from {model.name} where {via} in (select {column} from {delta})"
            )
    if model.incremental_also:  # rows that change with the data as a whole (e.g. near its latest day)
        selects.append(f"select {part} as value from {model.name} where {model.incremental_also}")
    values = " union all ".join(selects)
    con.execute(
        f"create or replace temp table {CHANGED_TABLE} as "
        f"select distinct value from ({values}) where value is not null"
    )
    in_changed = f"{part} in (select value from {CHANGED_TABLE})"
    for column in model.incremental_closure:  # every row sharing the column with a changed one
        con.execute(
            f"insert into {CHANGED_TABLE} select distinct {part} from {model.name} where {column} in "
            f"(select {column} from {model.name} where {in_changed}) and not ({in_changed})"
        )
    # The rows of the changed partitions, found by one scan of the partition column, are kept, then
    # deleted, by row id: finding them by partition for each (every column scanned for the first)
    # cost twice as much (fct_sessions' 29k rows of a day at 10M order lines: 0.8-0.9 -> 0.3-0.4 s).
    # The new rows are computed into a table of their own, checked there and appended.
    con.execute(
        f"create or replace temp table _rebuilt_rows as select rowid as row_id from {model.name} "
        f"where {in_changed}"
    )
    by_row = "rowid in (select row_id from _rebuilt_rows)"
    con.execute(f"create or replace temp table _rebuilt as select * from {model.name} where {by_row}")
    con.execute(f"delete from {model.name} where {by_row}")
    con.execute("drop table _rebuilt_rows")
    con.execute(
        f"create or replace temp table _inserted as {model.render(time_zone=time_zone, incremental=True)}"
    )
    stray = con.execute(f"select count(*) from _inserted where not ({in_changed})").fetchone()[0]
    if stray:  # a row outside the rebuilt partitions could repeat a key the check does not see
        raise IncrementalError(
            f"model {model.path.name}: its incremental SQL gave {stray:,} rows outside the changed "
            f"partitions ({part}); its {{{{ changed() }}}} filters do not match its incremental_changes"
        )
    check_partitions(con, model, "_inserted")
    renumbered = _renumber(con, model) if model.dense_key else False
    con.execute(f"insert into {model.name} by name select * from _inserted")
    # The delta is what differs, not every row rebuilt: a rebuilt partition mostly comes out as it
    # was (a customer's older contacts, rebuilt for their new one), and its consumers need not follow.
    columns = f"* exclude ({model.dense_key[0]})" if model.dense_key else "*"
    delta = _delta_name(model.name)
    now, before = f"select {columns} from _inserted", f"select {columns} from _rebuilt"
    con.execute(f"create or replace temp table {delta} as {_difference(model, now, before)}")
    con.execute("drop table _rebuilt")
    con.execute("drop table _inserted")
    con.execute(f"drop table {CHANGED_TABLE}")
    rows = con.execute(f"select count(*) from {model.name}").fetchone()[0]
    found = _nonempty(con, delta)
    found.renumbered = renumbered
    return found, rows


def _nonempty(con, delta: str) -> Delta:
    if con.execute(f"select count(*) from {delta}").fetchone()[0] == 0:
        con.execute(f"drop table {delta}")
        return Delta()
    return Delta(table=delta)


def _renumber(con, model: Model) -> bool:
    """Number the dense key over the table's rows and the new ones (`_inserted`, numbered among
    themselves by the model's SQL) before they are appended; returns whether any older row was
    renumbered. A row renumbered only is not in the delta: a renumbering says nothing new of a
    row, and a model keeping the key in its rows (`-- dense_key_from:`) rebuilds in full when older
    rows were renumbered. With the key ordered by the first
    day a value was seen (ordered_by min(activity_date)), a day's new customers come after the
    others and only the new rows are numbered: at 10M order lines the 742k older rows that a day's
    625 new customers renumbered in id order are left alone."""
    key, by = model.dense_key
    order = model.dense_key_order
    rows = f"(select * from {model.name} union all by name select * from _inserted)"
    values = (
        f"(select {by}, {order} as _dense_order from {rows} group by {by})"
        if order
        else f"(select distinct {by} from {rows})"
    )
    ranked = f"_dense_order, {by}" if order else by
    con.execute(
        f"create or replace temp table _dense as select {by}, "
        f"cast(dense_rank() over (order by {ranked}) as integer) as {key} from {values}"
    )
    con.execute(f"update _inserted set {key} = _dense.{key} from _dense where _inserted.{by} = _dense.{by}")
    (count,) = con.execute(
        f"update {model.name} set {key} = _dense.{key} from _dense "
        f"where {model.name}.{by} = _dense.{by} and {model.name}.{key} <> _dense.{key}"
    ).fetchone()
    con.execute("drop table _dense")
    return count > 0


def _full(
    con, model: Model, time_zone: str, create_model_table, existed: bool, compared: bool
) -> tuple[Delta, int]:
    """Build the model in full; its delta is what differs from its previous rows when `compared`,
    else `all` (its consumers, if any, rebuild in full)."""
    old = f"_previous_{model.name}"
    if existed:
        con.execute(f"alter table {model.name} rename to {old}")
    rows = create_model_table(con, model, model.render(time_zone=time_zone), True)
    if not existed:
        return Delta(every=True), rows
    try:
        if not compared:
            return Delta(every=True), rows
        old_rows = con.execute(f"select count(*) from {old}").fetchone()[0]
        if rows + old_rows > DIFF_MAX_ROWS:
            return Delta(every=True), rows
        same_columns = [r[0] for r in con.execute(f"describe {model.name}").fetchall()] == [
            r[0] for r in con.execute(f"describe {old}").fetchall()
        ]
        if not same_columns:
            return Delta(every=True), rows
        # a dense key renumbers rows without changing what they say: compared without it
        columns = "* exclude (" + model.dense_key[0] + ")" if model.dense_key else "*"
        delta = _delta_name(model.name)
        now, before = f"select {columns} from {model.name}", f"select {columns} from {old}"
        con.execute(f"create or replace temp table {delta} as {_difference(model, now, before)}")
        found = _nonempty(con, delta)
        # keys are a function of the rows: the same rows are numbered alike, others may not be
        found.renumbered = bool(model.dense_key) and found.changed
        return found, rows
    finally:
        con.execute(f"drop table {old}")


def _difference(model: Model, now: str, before: str) -> str:
    """SQL: the rows of `now` not in `before` and those of `before` not in `now` (two SELECTs of the
    same columns). A model with a declared key has no two rows alike (the build checks its grain, and
    its compared columns keep the key: a dense key is not one), so set EXCEPT, a hash anti join, gives
    the rows EXCEPT ALL does, which ranks every row to count its copies: 4x faster on fct_contacts'
    1.9M rows (6.6 -> 1.6 s); a day's 30 comparisons at 10M order lines 2.0 -> 0.7 s. A model
    without one (`unique_key: none`, an append-only log) keeps EXCEPT ALL."""
    dense = model.dense_key[0] if model.dense_key else None
    keyed = bool(model.unique_key) and dense not in model.unique_key
    op = "except" if keyed else "except all"
    return f"({now} {op} {before}) union all ({before} {op} {now})"


def _delta_name(name: str) -> str:
    return "_delta_" + name.replace(".", "__")
