"""`cx ingest` killed (SIGKILL) in the middle of a large load: the warehouse's data is exactly as before,
the attempt is recorded as an interrupted run, and the next ingest of the same file loads it whole.

The kill waits until the load has demonstrably started, never on a timer: "staging" once the stage
file (the export as text Parquet) is being written, "loading" once the database file has grown by
more than a megabyte, i.e. DuckDB is writing the file's rows inside the still-open transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from ingest.run import ingest_paths
from tests.ingest.exports import SALT, query
from tests.reliability.warehouse_state import checksums, good_load

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1_000_000
POLL_SECONDS = 0.02
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
]


def big_orders(path: Path, rows: int = ROWS) -> Path:
    """A valid orders export of `rows` lines (about 60 MB), generated, seeded by construction."""
    i = pl.int_range(0, rows, eager=True)
    pl.DataFrame(
        {
            "order_id": "BIG" + i.cast(pl.String),
            "line_no": pl.repeat(1, rows, eager=True),
            "ordered_at": pl.repeat("2024-03-01 10:00:00", rows, eager=True),
            "store_id": "S" + (i % 40).cast(pl.String),
            "channel": pl.repeat("web", rows, eager=True),
            "customer_id": "C" + (i % 5000).cast(pl.String),
            "sku": "SKU" + (i % 300).cast(pl.String),
            "category": pl.repeat("toys", rows, eager=True),
            "quantity": i % 5 + 1,
            "unit_price": (i % 100).cast(pl.Float64) + 0.99,
        }
    ).write_csv(path)
    return path


def _stage_files(db: Path) -> list[Path]:
    return [p for d in db.parent.glob(f".{db.name}.ingest-*") for p in d.glob("stage-*.parquet")]


def _started(point: str, db: Path, size_before: int) -> bool:
    try:
        stages = _stage_files(db)
        if point == "staging":
            return any(p.stat().st_size > 0 for p in stages)
        return bool(stages) and db.stat().st_size > size_before + 1024 * 1024
    except FileNotFoundError:  # a stage file removed while we looked: ask again
        return False


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse holding a known good load of every source."""
    return good_load(tmp_path)


@pytest.mark.parametrize("point", ["staging", "loading"])
def test_sigkill_during_a_large_load(point: str, warehouse: Path, tmp_path: Path):
    db = warehouse
    export = big_orders(tmp_path / "exports" / "orders_big.csv")
    before = checksums(db)
    size_before = db.stat().st_size
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CX_PII_SALT": SALT}
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "ingest",
        str(export),
        "--db",
        str(db),
        "--json",
        "--no-build",
    ]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while not _started(point, db, size_before):
            assert proc.poll() is None, f"ingest ended before the {point} point: {proc.communicate()}"
            time.sleep(POLL_SECONDS)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # Every table holds exactly what it held; meta.ingest_runs also holds the attempt, 'running'.
    after = checksums(db)
    runs = "meta.ingest_runs"
    assert {t: c for t, c in after.items() if t != runs} == {t: c for t, c in before.items() if t != runs}
    assert after[runs][0] == before[runs][0] + 1
    assert query(db, "select count(*) from meta.file_loads where file_name = 'orders_big.csv'") == [(0,)]
    [(killed_run,)] = query(db, "select run_id from meta.ingest_runs where status = 'running'")

    # The next ingest of the same file loads it completely, and closes the killed run's record.
    [result] = ingest_paths([export], db, settings=Settings(pii_salt=SALT))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        ROWS,
        ROWS,
        0,
    ), result.message
    assert query(
        db, "select count(*), count(distinct order_id) from raw.orders where order_id like 'BIG%'"
    ) == [(ROWS, ROWS)]
    assert query(
        db,
        "select status, files, rows_read, rows_loaded from meta.ingest_runs where run_id = ?",
        [killed_run],
    ) == [("interrupted", 0, 0, 0)]
    assert not list(db.parent.glob(f".{db.name}.ingest-*")), "the killed run's scratch folder is removed"
