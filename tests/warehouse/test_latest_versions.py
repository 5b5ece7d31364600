"""A record exported again with changed values is loaded again (an update, ingest/loader.py); the
staging models read each key's latest version: the latest load, then the latest run on a tie.
They find the keys loaded more than once by a hash aggregate of the keys, not a window over every
row (warehouse/models/staging), so these cases pin the rule down: one version, several, a tie on the
load time, and keys loaded once beside them."""

from __future__ import annotations

import duckdb

from tests.warehouse.raw_fixture import make_ingest_db
from warehouse.build import build

STORES = [{"store_id": "S1", "name": "One", "region": "North"}]


def line(order_id: str, quantity: int, run: str, loaded_at: str, line_no: int = 1) -> dict:
    return {"order_id": order_id, "line_no": line_no, "ordered_at": "2026-03-02 10:00:00", "store_id": "S1",
            "channel": "store", "sku": "K", "quantity": quantity, "unit_price": 10.0,
            "_run_id": run, "_loaded_at": loaded_at}  # fmt: skip


def session(session_id: str, step: str, run: str, loaded_at: str) -> dict:
    return {"session_id": session_id, "started_at": "2026-03-02 09:00:00", "channel": "web",
            "furthest_step": step, "_run_id": run, "_loaded_at": loaded_at}  # fmt: skip


def test_each_key_reads_its_latest_export(tmp_path):
    orders = [
        line("o1", 1, "r1", "2026-03-02 10:00:00"),
        line("o1", 2, "r3", "2026-03-04 10:00:00"),  # the latest of three versions
        line("o1", 3, "r2", "2026-03-03 10:00:00"),
        line("o1", 7, "r1", "2026-03-02 10:00:00", line_no=2),  # the order's other line: once
        line("o2", 4, "r2", "2026-03-03 10:00:00"),
        line("o2", 5, "r4", "2026-03-03 10:00:00"),  # same load time: the later run wins
        line("o3", 6, "r1", "2026-03-02 10:00:00"),  # loaded once
    ]
    sessions = [
        session("s1", "visit", "r1", "2026-03-02 10:00:00"),
        session("s1", "cart", "r2", "2026-03-03 10:00:00"),
        session("s2", "visit", "r1", "2026-03-02 10:00:00"),
    ]
    rows = {"stores": STORES, "orders": orders, "sessions": sessions}
    db = make_ingest_db(tmp_path / "ingest.duckdb", rows)
    snapshot = build(db).snapshot
    with duckdb.connect(str(snapshot), read_only=True) as con:
        lines = con.sql(
            "select order_id, line_no, quantity from stg_orders__order_lines order by 1, 2"
        ).fetchall()
        steps = con.sql("select session_id, furthest_step from stg_sessions__sessions order by 1").fetchall()
    assert lines == [("o1", 1, 2), ("o1", 2, 7), ("o2", 1, 5), ("o3", 1, 6)]
    assert steps == [("s1", "cart"), ("s2", "visit")]
