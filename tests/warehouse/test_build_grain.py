"""`cx build` checks every table against its model's declared grain (`-- unique_key:`): a repeated
key, or a null where the key allows none, fails the build and publishes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.warehouse.raw_fixture import make_ingest_db
from warehouse import build as build_module
from warehouse import snapshots
from warehouse.build import BuildError, build
from warehouse.project import load_models

STORES = [
    {"store_id": "S1", "name": "One", "region": "North"},
    {"store_id": "S2", "name": "Two", "region": "North"},
]


def line(order_id: str, store_id: str, **columns) -> dict:
    return {"order_id": order_id, "line_no": 1, "ordered_at": "2026-03-02 10:00:00", "store_id": store_id,
            "channel": "store", "sku": "K", "quantity": 1, "unit_price": 10.0, **columns}  # fmt: skip


ORDERS = [line("o1", "S1", delivered_at="2026-03-02 12:00:00"), line("o2", "S2")]  # o2: not delivered
SESSIONS = [
    {"session_id": "s1", "started_at": "2026-03-02 09:00:00", "channel": "web", "furthest_step": "visit"},
    {"session_id": "s2", "started_at": "2026-03-02 09:30:00", "channel": "app", "furthest_step": "visit"},
]


@pytest.fixture
def db(tmp_path):
    return make_ingest_db(
        tmp_path / "ingest.duckdb", {"stores": STORES, "orders": ORDERS, "sessions": SESSIONS}
    )


def declaring(monkeypatch, name: str, key: str, nullable: str | None = None) -> None:
    """Build with model `name` declaring `key` (and `nullable`) instead of its own header."""
    models = load_models()
    model = models[name]
    header = f"-- unique_key: {key}\n" + (f"-- nullable_key_columns: {nullable}\n" if nullable else "")
    lines = [
        ln
        for ln in model.sql.splitlines(keepends=True)
        if not ln.startswith(("-- unique_key:", "-- nullable_key"))
    ]
    models[name] = replace(model, sql=header + "".join(lines))
    monkeypatch.setattr(build_module, "load_models", lambda: models)


def test_the_declared_keys_hold_on_a_small_warehouse(db):
    result = build(db)
    assert snapshots.current_snapshot(db) == result.snapshot
    assert result.models["mart_daily_sessions"] == 2  # store_id null on both rows: allowed


def test_a_repeated_key_fails_the_build_and_publishes_nothing(db, monkeypatch):
    published = build(db).snapshot
    declaring(monkeypatch, "dim_stores", "region")
    with pytest.raises(
        BuildError,
        match=r"core/dim_stores.sql: breaks its unique_key: 1 repeated \(region\) values, "
        r"e.g. region=North on 2 rows$",
    ):
        build(db)
    assert snapshots.current_snapshot(db) == published
    assert list(snapshots.serving_dir(db).glob("snapshot-*.duckdb")) == [published]


def test_a_null_key_column_fails_the_build_unless_declared_nullable(db, monkeypatch):
    declaring(monkeypatch, "fct_orders", "order_id, delivered_at")
    with pytest.raises(
        BuildError,
        match=r"core/fct_orders.sql: breaks its unique_key: 1 rows with a null key column "
        r"\(nullable_key_columns: none\)$",
    ):
        build(db)
    declaring(monkeypatch, "fct_orders", "order_id, delivered_at", nullable="delivered_at")
    assert build(db).models["fct_orders"] == 2


def test_null_is_one_value_of_a_nullable_key_column(db, monkeypatch):
    # Two sessions of a day in different channels: without the channel, (day, store_id) repeats,
    # although store_id is null on both rows (null is not distinct from null).
    declaring(monkeypatch, "mart_daily_sessions", "activity_date, store_id", nullable="store_id")
    with pytest.raises(
        BuildError,
        match=r"marts/mart_daily_sessions.sql: breaks its unique_key: 1 repeated "
        r"\(activity_date, store_id\) values, e.g. activity_date=2026-03-02, store_id=None on 2 rows$",
    ):
        build(db)
