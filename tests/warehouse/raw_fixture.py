"""Tiny ingest databases built in code for the warehouse tests: raw tables shaped as ingest writes
them (typed contract columns + lineage), filled from lists of dicts, then built into a snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.contracts import CONTRACTS, SQL_TYPES
from ingest.store import voc_ddl
from warehouse.build import build

META_DDL = """
create schema if not exists meta;
create table if not exists meta.ingest_runs(run_id varchar, started_at timestamp, finished_at timestamp,
    status varchar, files integer, rows_read bigint, rows_loaded bigint, rows_quarantined bigint);
create table if not exists meta.file_loads(run_id varchar, file_id varchar, file_name varchar,
    file_path varchar, source varchar, profile varchar, rows_read bigint, rows_loaded bigint,
    rows_quarantined bigint, status varchar, message varchar, loaded_at timestamp);
create table if not exists meta.quarantine(run_id varchar, file_id varchar, file_name varchar, source varchar,
    row_number bigint, rule varchar, column_name varchar, value varchar, message varchar, record varchar,
    quarantined_at timestamp);
""" + voc_ddl()  # the voice-of-the-customer tables, empty (ingest.store creates them likewise)

DEFAULT_ASSUMPTIONS = {
    "cost_per_contact_phone": 6.5,
    "cost_per_contact_chat": 3.2,
    "cost_per_contact_email": 4.1,
    "cost_per_contact_social": 3.8,
    "cost_per_contact_in_store": 2.5,
    "cost_per_contact_self_service": 0.4,
    "cost_per_transfer": 2.75,
    "gross_margin": 0.4,
    "return_processing_cost": 7.5,
    "recoverable_cart_share": 0.1,
    "wait_threshold_seconds": 300,
    "long_wait_abandon_share": 0.35,
    "late_delivery_churn_uplift": 0.04,
    "detractor_churn_uplift": 0.12,
    "churn_window_days": 180,
}


def raw_columns(source: str) -> list[tuple[str, str]]:
    cols = []
    for c in CONTRACTS[source].columns:
        if c.pii == "drop":
            continue
        name = f"{c.name}_hash" if c.pii == "hash" else c.name
        cols.append((name, "varchar" if c.pii == "hash" else SQL_TYPES[c.type]))
    return cols + [
        ("_file_id", "varchar"),
        ("_row_number", "bigint"),
        ("_run_id", "varchar"),
        ("_loaded_at", "timestamp"),
    ]


def make_ingest_db(path: Path, rows: dict[str, list[dict]], assumptions: dict | None = None) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists raw")
    con.execute(META_DDL)
    rows = dict(rows)
    if "cost_assumptions" not in rows:
        rows["cost_assumptions"] = [
            {"version": 1, "valid_from": "2024-01-01", "setting": k, "value": v}
            for k, v in {**DEFAULT_ASSUMPTIONS, **(assumptions or {})}.items()
        ]
    for source in CONTRACTS:
        cols = raw_columns(source)
        con.execute(f"create table raw.{source} ({', '.join(f'{n} {t}' for n, t in cols)})")
        for i, row in enumerate(rows.get(source, []), start=1):
            names = [n for n, _ in cols if n in row] + ["_row_number", "_file_id"]
            values = [row[n] for n, _ in cols if n in row] + [i, "test"]
            marks = ", ".join("?" for _ in names)
            con.execute(f"insert into raw.{source} ({', '.join(names)}) values ({marks})", values)
    con.close()
    return path


def build_warehouse(
    tmp_path: Path, rows: dict[str, list[dict]], assumptions: dict | None = None, demo_targets: bool = True
):
    """A tiny warehouse of `rows`, judged by the demo's targets (demo/targets.toml) unless told not to."""
    from demo.standards import save_demo_targets
    from warehouse.api import Warehouse

    db = make_ingest_db(tmp_path / "ingest.duckdb", rows, assumptions)
    if demo_targets:
        save_demo_targets(db)
    build(db)
    return Warehouse.open(db)
