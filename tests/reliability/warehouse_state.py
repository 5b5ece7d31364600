"""The ingest database's content, table by table, to prove that a file changed nothing it should not.

`contents(db)` reads every raw.* and meta.* table (rows sorted); `without_run(contents, run_id)`
drops the rows one ingest run added (its raw rows, quarantine rows, file_loads rows and its
ingest_runs row), so `without_run(after, run) == before` says the run added only its own rows.
`checksums(db)` is the same comparison for big tables: row count and an order-independent hash.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from config.settings import Settings
from ingest.contracts import CONTRACTS
from ingest.run import ingest_paths
from tests.ingest.exports import BASE, SALT

RUN_COLUMN = {"meta.ingest_runs": "run_id", "meta.file_loads": "run_id", "meta.quarantine": "run_id"}


def tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = ("raw", "meta")) -> list[str]:
    """Tables of `schemas` (all schemas when empty)."""
    return [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        if not schemas or schema in schemas
    ]


def _columns(con, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_catalog = current_database() "
            "and table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]


def contents(db: Path) -> dict[str, dict]:
    """table -> {"columns": [...], "rows": sorted rows}."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in tables(con):
            rows = con.execute(f"select * from {table}").fetchall()
            out[table] = {"columns": _columns(con, table), "rows": sorted(rows, key=repr)}
        return out
    finally:
        con.close()


def without_run(state: dict[str, dict], run_id: str) -> dict[str, dict]:
    out = {}
    for table, content in state.items():
        column = RUN_COLUMN.get(table, "_run_id" if table.startswith("raw.") else None)
        index = content["columns"].index(column) if column in content["columns"] else None
        rows = [r for r in content["rows"] if index is None or r[index] != run_id]
        out[table] = {"columns": content["columns"], "rows": rows}
    return out


def checksums(db: Path, schemas: tuple[str, ...] = ("raw", "meta")) -> dict[str, tuple[int, int]]:
    """table -> (row count, sum of row hashes): equal content gives equal checksums. The tables of
    `schemas` (of every schema when empty: a published snapshot)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            table: tuple(con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {table} t").fetchone())
            for table in tables(con, schemas)
        }
    finally:
        con.close()


def good_load(folder: Path) -> Path:
    """A warehouse in `folder` holding BASE of every source, loaded without a quarantined row."""
    files = []
    for source in CONTRACTS:
        path = folder / "exports" / f"{source}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BASE[source], encoding="utf-8")
        files.append(path)
    db = folder / "wh" / "warehouse.duckdb"
    results = ingest_paths(files, db, settings=Settings(pii_salt=SALT))
    assert [(r.status, r.rows_quarantined) for r in results] == [("loaded", 0)] * len(files)
    return db
