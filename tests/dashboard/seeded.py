"""Seeded warehouses for the dashboard tests, built in code, never from committed files.

`realistic_warehouse(dir)` runs the seeded demo generator through ingest and build at a small
scale. `tiny_warehouse(dir)` is a handful of hand-written rows written straight into the raw
tables, whose exported bytes a test can state as a constant.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from tests.warehouse.raw_fixture import DEFAULT_ASSUMPTIONS, META_DDL, raw_columns
from warehouse.build import build


def write_raw(db: Path, rows: dict[str, list[dict]], assumptions: dict | None = None) -> Path:
    """The raw and meta tables ingest writes, filled with `rows` (bulk insert through Arrow)."""
    from ingest.contracts import CONTRACTS

    rows = dict(rows)
    rows.setdefault(
        "cost_assumptions",
        [
            {"version": 1, "valid_from": date(2024, 1, 1), "setting": k, "value": float(v)}
            for k, v in {**DEFAULT_ASSUMPTIONS, **(assumptions or {})}.items()
        ],
    )
    con = duckdb.connect(str(db))
    con.execute("create schema if not exists raw")
    con.execute(META_DDL)
    for source in CONTRACTS:
        cols = raw_columns(source)
        con.execute(f"create table raw.{source} ({', '.join(f'{n} {t}' for n, t in cols)})")
        data = rows.get(source, [])
        if not data:
            continue
        names = [n for n, _ in cols if any(n in r for r in data)]
        frame = pl.DataFrame(
            [
                {**{n: r.get(n) for n in names}, "_row_number": i, "_file_id": f"{source}.csv"}
                for i, r in enumerate(data, start=1)
            ],
            infer_schema_length=None,
        )
        con.register("incoming", frame.to_arrow())
        con.execute(f"insert into raw.{source} by name select * from incoming")
        con.unregister("incoming")
    _write_meta(con, rows)
    con.close()
    return db


def _write_meta(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> None:
    """One ingest run with a file per source and a few quarantined rows (for the quality page)."""
    at = datetime(2026, 4, 1, 6, 0)
    bad = {
        "surveys": [("score_out_of_scale", "score", "11"), ("score_out_of_scale", "score", "12")],
        "orders": [
            ("unparseable_number", "unit_price", "12,5O"),
            ("timestamp_in_future", "ordered_at", "2031-01-01"),
        ],
    }
    total_read = total_bad = 0
    for source, data in rows.items():
        quarantined = len(bad.get(source, []))
        total_read += len(data) + quarantined
        total_bad += quarantined
        con.execute(
            "insert into meta.file_loads values "
            "('run-1', ?, ?, ?, ?, 'canonical', ?, ?, ?, 'loaded', null, ?)",
            [
                f"{source}.csv",
                f"{source}.csv",
                f"exports/{source}.csv",
                source,
                len(data) + quarantined,
                len(data),
                quarantined,
                at,
            ],
        )
        for k, (rule, column, value) in enumerate(bad.get(source, []), start=1):
            con.execute(
                "insert into meta.quarantine values ('run-1', ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)",
                [
                    f"{source}.csv",
                    f"{source}.csv",
                    source,
                    len(data) + k,
                    rule,
                    column,
                    value,
                    f"{column} {value!r} breaks {rule}",
                    at,
                ],
            )
    con.execute(
        "insert into meta.ingest_runs values ('run-1', ?, ?, 'ok', ?, ?, ?, ?)",
        [at, at + timedelta(minutes=2), len(rows), total_read, total_read - total_bad, total_bad],
    )


def realistic_warehouse(directory: Path, scale: float = 0.05, seed: int = 42, voc: bool = False) -> Path:
    """The demo exports (demo.generator) ingested (ingest.run) and built: the same path `cx demo`
    takes, at a small scale. `voc`: with the comments' sentiment and themes (voc.step, as `cx demo`
    runs it; a few seconds more), else fct_comments has them null."""
    from demo.generator import write_exports
    from demo.standards import save_demo_targets
    from ingest.run import ingest_paths

    paths = write_exports(directory / "exports", scale, seed)
    db = directory / "warehouse.duckdb"
    ingest_paths(list(paths.values()), db)
    save_demo_targets(db)
    if voc:
        from voc.step import update

        update(db)
    build(db)
    return db


TINY_ORDERS = [
    {
        "order_id": "o1",
        "line_no": 1,
        "ordered_at": datetime(2026, 3, 2, 10),
        "store_id": "S1",
        "channel": "store",
        "customer_id": "A",
        "sku": "K",
        "quantity": 1,
        "unit_price": 20.0,
    },
    {
        "order_id": "o2",
        "line_no": 1,
        "ordered_at": datetime(2026, 3, 3, 10),
        "store_id": "ONL",
        "channel": "web",
        "customer_id": "B",
        "sku": "K",
        "quantity": 2,
        "unit_price": 12.5,
    },
    {
        "order_id": "o3",
        "line_no": 1,
        "ordered_at": datetime(2026, 3, 4, 10),
        "store_id": "ONL",
        "channel": "web",
        "customer_id": "A",
        "sku": "K",
        "quantity": 1,
        "unit_price": 7.25,
    },
]


def tiny_warehouse(directory: Path) -> Path:
    db = write_raw(
        directory / "tiny.duckdb",
        {
            "orders": TINY_ORDERS,
            "stores": [
                {"store_id": "S1", "name": "One", "region": "North"},
                {"store_id": "ONL", "name": '=HYPERLINK("http://x")', "region": "North", "format": "online"},
            ],
            "customers": [
                {
                    "customer_id": "A",
                    "tier": "gold",
                    "tier_since": date(2025, 1, 1),
                    "region": "North",
                    "segment": "-budget",
                },
                {
                    "customer_id": "B",
                    "tier": "none",
                    "tier_since": date(2025, 1, 1),
                    "region": "North",
                    "segment": "premium",
                },
            ],
        },
    )
    build(db)
    return db
