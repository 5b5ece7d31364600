"""The tables ingest writes: raw.<source> (one per contract) and the meta log tables.

All of them are created on first use, even empty, so the warehouse models can always read them.
A raw table has the contract's columns, typed, in contract order (personal data: `<name>_hash`
for pii="hash", nothing for pii="drop"), then the lineage columns.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.contracts import CONTRACTS, SQL_TYPES, Column, Contract
from ingest.masking import mask_existing

LINEAGE = (
    ("_file_id", "varchar"),  # sha256 of the file's content
    ("_row_number", "bigint"),  # 1-based data row in the file
    ("_run_id", "varchar"),
    ("_loaded_at", "timestamp"),
)

META_TABLES = {
    "ingest_runs": (
        ("run_id", "varchar"),
        ("started_at", "timestamp"),
        ("finished_at", "timestamp"),
        ("status", "varchar"),  # running | ok | partial (some file refused) | failed | interrupted
        ("files", "integer"),
        ("rows_read", "bigint"),
        ("rows_loaded", "bigint"),
        ("rows_quarantined", "bigint"),
    ),
    "file_loads": (
        ("run_id", "varchar"),
        ("file_id", "varchar"),
        ("file_name", "varchar"),
        ("file_path", "varchar"),
        ("source", "varchar"),
        ("profile", "varchar"),
        ("rows_read", "bigint"),
        ("rows_loaded", "bigint"),
        ("rows_quarantined", "bigint"),
        ("status", "varchar"),  # loaded | duplicate | refused
        ("message", "varchar"),
        ("loaded_at", "timestamp"),
    ),
    "quarantine": (
        ("run_id", "varchar"),
        ("file_id", "varchar"),
        ("file_name", "varchar"),
        ("source", "varchar"),
        ("row_number", "bigint"),
        ("rule", "varchar"),
        ("column_name", "varchar"),
        ("value", "varchar"),
        ("message", "varchar"),
        ("record", "varchar"),  # the row as read, JSON text, personal data removed
        ("quarantined_at", "timestamp"),
    ),
    # the erasure list (ingest.erasures): salted hashes of erased people's identifiers, never clear
    "erasures": (
        ("id_hash", "varchar"),
        ("kind", "varchar"),  # customer_id | email_hash | order_id | contact_id
        ("erasure_id", "varchar"),
        ("erased_at", "timestamp"),
    ),
}


# Written by the voice-of-the-customer step (voc/), not by ingest, but created here with the others
# so the models can always read them: each comment's language, sentiment and theme by the current
# model, and what each model version measured per language.
VOC_TABLES = {
    "comment_scores": (
        ("response_id", "varchar"),
        ("comment_md5", "varchar"),  # md5 of the comment scored: fct_comments ignores a stale score
        ("language", "varchar"),  # ISO 639-1
        ("sentiment", "double"),  # -1 to 1; null when the language is not measured
        ("theme", "varchar"),  # its label, 'no theme' when too short; null: no themes for the language
        ("model_version", "integer"),
        ("scored_by", "varchar"),  # cross-fit fold k (did not see its score) | full model
    ),
    "model_languages": (
        ("model_version", "integer"),
        ("language", "varchar"),
        ("status", "varchar"),  # measured | not_measured
        ("reason", "varchar"),
        ("count_comments", "bigint"),
        ("count_labelled", "bigint"),
        ("fit_auc", "double"),
        ("themes", "varchar"),  # JSON list of the theme labels
        ("fitted_at", "timestamp"),
    ),
}


def log_file(con: duckdb.DuckDBPyConnection, **values) -> None:
    """Insert one meta.file_loads row: `values` are its columns by name, all of them (DuckDB refuses
    a missing or an unknown one)."""
    columns = [name for name, _ in META_TABLES["file_loads"]]
    con.execute(
        f"insert into meta.file_loads ({', '.join(columns)}) values ({', '.join('$' + c for c in columns)})",
        values,
    )


def stored_name(column: Column) -> str | None:
    """Name of a contract column in its raw table (None: not stored)."""
    if column.pii == "drop":
        return None
    return f"{column.name}_hash" if column.pii == "hash" else column.name


def raw_columns(contract: Contract) -> list[tuple[str, str]]:
    cols = []
    for c in contract.columns:
        name = stored_name(c)
        if name is not None:
            cols.append((name, "varchar" if c.pii == "hash" else SQL_TYPES[c.type]))
    return cols + list(LINEAGE)


def ddl() -> str:
    """The DDL of every table ingest writes (also shown in the docs and used by tests)."""
    statements = [f"create schema if not exists {s};" for s in ("raw", "meta", "voc")]
    for table, cols in META_TABLES.items():
        statements.append(_create(f"meta.{table}", cols))
    for table, cols in VOC_TABLES.items():
        statements.append(_create(f"voc.{table}", cols))
    for source, contract in CONTRACTS.items():
        statements.append(_create(f"raw.{source}", raw_columns(contract)))
    return "\n".join(statements)


def voc_ddl() -> str:
    """The DDL of the voice-of-the-customer tables (their schema included)."""
    tables = [_create(f"voc.{t}", c) for t, c in VOC_TABLES.items()]
    return "\n".join(["create schema if not exists voc;", *tables])


def _create(table: str, cols) -> str:
    body = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in cols)
    return f"create table if not exists {table} (\n    {body}\n);"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and meta tables if missing; add columns a contract gained since they were made."""
    con.execute("begin transaction")
    try:
        con.execute(ddl())
        existing: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema in ('raw', 'meta', 'voc')"
        ).fetchall():
            existing.setdefault((schema, table), set()).add(column)
        wanted = {("meta", t): cols for t, cols in META_TABLES.items()}
        wanted |= {("voc", t): cols for t, cols in VOC_TABLES.items()}
        wanted |= {("raw", s): raw_columns(c) for s, c in CONTRACTS.items()}
        for (schema, table), cols in wanted.items():
            for name, sql_type in cols:
                if name not in existing.get((schema, table), set()):
                    con.execute(f"alter table {schema}.{table} add column {name} {sql_type}")
        # a warehouse loaded before comments were masked at staging is masked here, in place
        mask_existing(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def close_interrupted_runs(con: duckdb.DuckDBPyConnection) -> None:
    """Mark runs still 'running' as 'interrupted', with the counts of the files they did commit.

    Called by a new run, which holds DuckDB's write lock, so no other run can be going on: a run
    left 'running' was killed (each file is its own transaction, so files it had not finished left
    nothing behind). Its row stays, as the record that it was tried.
    """
    con.execute(
        """
        update meta.ingest_runs as r set
            status = 'interrupted',
            files = f.files,
            rows_read = f.rows_read,
            rows_loaded = f.rows_loaded,
            rows_quarantined = f.rows_quarantined
        from (
            select runs.run_id, count(distinct l.file_path) as files,
                coalesce(sum(l.rows_read), 0) as rows_read,
                coalesce(sum(l.rows_loaded), 0) as rows_loaded,
                coalesce(sum(l.rows_quarantined), 0) as rows_quarantined
            from meta.ingest_runs as runs left join meta.file_loads as l using (run_id)
            where runs.status = 'running'
            group by runs.run_id
        ) as f
        where r.run_id = f.run_id
        """
    )


def upgrade_schema(db: Path) -> None:
    """ensure_schema on the ingest database `db` if it exists and no other process holds it (a
    running ingest does so itself; the build then reports the lock)."""
    if not Path(db).exists():
        return
    try:
        con = duckdb.connect(str(db))
    except duckdb.IOException:  # DuckDB's file lock: another process writes it
        return
    try:
        ensure_schema(con)
    finally:
        con.close()
