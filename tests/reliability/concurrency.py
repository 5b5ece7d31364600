"""The two processes of the concurrency tests: a writer that ingests and builds several times, and a
reader that keeps querying the published snapshot through the warehouse query API.

    python -m tests.reliability.concurrency writer DB EXPORTS LOG CYCLES
    python -m tests.reliability.concurrency reader DB LOG STOP

Both write one JSON line per event to LOG. `observe` is what either of them reads of a snapshot:
the order count of two different tables (fct_orders through freshness(), mart_daily_orders through
explore()) and the executive AOV tile as the overview shows it; all three belong to one snapshot,
so a reader that saw a mix of two snapshots would log a combination no build published.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from config.settings import Settings
from ingest.run import ingest_paths
from tests.ingest.exports import SALT
from tests.reliability import builders as b
from warehouse.api import Warehouse
from warehouse.build import build
from warehouse.filters import Filters
from warehouse.metrics import METRICS

EVERYTHING = Filters(date_from=date(2000, 1, 1), date_to=date(2030, 12, 31), compare="none")
ORDERS_PER_CYCLE = 150


def observe(wh: Warehouse) -> dict:
    fct = {r["source_name"]: r["count_rows"] for r in wh.freshness().frame.to_dicts()}["orders"]
    mart = wh.explore("mart_daily_orders", [], ["count_orders"], EVERYTHING).frame.item(0, 0)
    aov = wh.metrics(Filters(), ["aov"]).frame.row(0, named=True)["value"]  # the overview's default view
    return {"fct_orders": int(fct), "mart_orders": int(mart or 0), "aov": METRICS["aov"].fmt(aov)}


def cycle_export(folder: Path, cycle: int) -> Path:
    """Orders of one writer cycle: (cycle + 1) x ORDERS_PER_CYCLE new orders of two lines each."""
    data = []
    for i in range((cycle + 1) * ORDERS_PER_CYCLE):
        for line in ("1", "2"):
            data.append(b.variant("orders", f"w{cycle}-{i}", line_no=line, unit_price=str(5 + cycle)))
    path = folder / f"orders_cycle_{cycle}.csv"
    path.write_bytes(b.csv_bytes(b.table("orders", data)))
    return path


def _log(log, **event) -> None:
    log.write(json.dumps(event) + "\n")
    log.flush()


def writer(db: Path, exports: Path, log_path: Path, cycles: int) -> None:
    with open(log_path, "a") as log:
        for cycle in range(cycles):
            [result] = ingest_paths([cycle_export(exports, cycle)], db, settings=Settings(pii_salt=SALT))
            assert result.status == "loaded", result.message
            built = build(db)
            wh = Warehouse(built.snapshot)
            _log(log, cycle=cycle, snapshot=built.snapshot.name, **observe(wh))
            wh.close()


def reader(db: Path, log_path: Path, stop: Path) -> None:
    """Query until `stop` exists: a fresh Warehouse.open each time (a new session), plus one
    Warehouse kept open from the start (the dashboard's cached connection), whose snapshot file
    later builds delete."""
    held = Warehouse.open(db)
    held_state = observe(held)
    with open(log_path, "a") as log:
        while not stop.exists():
            try:
                wh = Warehouse.open(db)
                try:
                    state = observe(wh)
                    name = wh.snapshot.name
                finally:
                    wh.close()
                _log(log, snapshot=name, held_unchanged=observe(held) == held_state, **state)
            except Exception as exc:  # the test fails on any of these
                _log(log, error=f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role == "writer":
        writer(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]))
    else:
        reader(Path(args[0]), Path(args[1]), Path(args[2]))
