"""The benchmark's timed child processes (bench/run.py starts each, so peak RSS is the step's own).

    python -m bench.child raw-load DB CSV [TYPES_JSON]   raw DuckDB load; prints the row count
    python -m bench.child stage-floor CSV WORKDIR       the two writes any load through a text stage
                                                        makes (issue 20 item 4); prints them as JSON
    python -m bench.child page PAGE DB RUNS [VIEW]      one page's query set (the typical view, or
                                                        one of page_queries.OTHER_VIEWS); prints
                                                        timings as JSON
    python -m bench.child tables DB                     the snapshot's tables and their row counts
    python -m bench.child profile-pages DB OUT          pyinstrument profile of every page's set

Only the standard library is imported at the top: a raw load pays for DuckDB's import only.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def raw_load(db: str, csv: str, types_json: str = "{}") -> None:
    import duckdb

    con = duckdb.connect(db)
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    types = json.loads(types_json)
    if types:  # the contract's types; rows whose values do not cast are skipped (ignore_errors)
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
        con.execute(
            f"create table t as select * from read_csv(?, columns = {columns}, header = true, "
            "ignore_errors = true)",
            [csv],
        )
    else:
        con.execute("create table t as select * from read_csv(?)", [csv])
    print(con.execute("select count(*) from t").fetchone()[0])


def stage_floor(csv: str, workdir: str) -> None:
    """The least a load through a text stage costs, whatever its checks: the CSV written as a
    Parquet stage of text (Polars, as ingest.readers writes it), then that stage copied as it is
    into a table of a DuckDB file (no parse, no check). Their sum against `raw-load`'s time is the
    best ratio the ingest's design can reach."""
    import duckdb
    import polars as pl

    stage, db = Path(workdir) / "floor-stage.parquet", Path(workdir) / "floor.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    pl.scan_csv(csv, infer_schema=False, glob=False).with_row_index("row_number", offset=1).sink_parquet(
        stage, compression="lz4", row_group_size=256 * 1024, statistics=False
    )
    staged = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    con.execute("create table t as select * from read_parquet(?)", [str(stage)])
    con.execute("checkpoint")
    copied = time.perf_counter()
    rows = con.execute("select count(*) from t").fetchone()[0]
    con.close()
    stage.unlink()
    db.unlink()
    timings = {"stage_s": round(staged - started, 2), "copy_s": round(copied - staged, 2)}
    print(json.dumps({"rows": rows, **timings}))


def page(name: str, db: str, runs: str, view: str = "typical") -> None:
    """cold: a fresh process opens the snapshot and runs app.py's frame and the page. warm: the
    view again as a click on new filters costs it (the snapshot's constants stay cached, as in
    Streamlit; the metric cache is emptied). uncached: every query, constants too. bare: the
    page's heaviest query written on the fact table (the typical view's only)."""
    from bench.page_queries import BARE_SQL, bare_params, run_page, view_filters
    from warehouse.api import Warehouse

    sqls: list[str] = []
    run = Warehouse.run

    def counted(self, sql, params=None):
        sqls.append(sql)
        return run(self, sql, params)

    Warehouse.run = counted
    started = time.perf_counter()
    wh = Warehouse.open(Path(db))
    f = view_filters(wh, view)
    calls = run_page(wh, name, f)
    cold, cold_sql = time.perf_counter() - started, len(sqls)
    warm, uncached, bare = [], [], []
    for _ in _runs(runs, warm):
        wh.clear_query_cache()
        sqls.clear()
        t = time.perf_counter()
        run_page(wh, name, f)
        warm.append(time.perf_counter() - t)
    warm_sql = len(sqls)
    for _ in _runs(runs, uncached):
        wh.clear_query_cache()
        wh._constants.clear()
        t = time.perf_counter()
        run_page(wh, name, f)
        uncached.append(time.perf_counter() - t)
    if view == "typical":  # the yardstick is written for the typical filter
        params = bare_params(name, f)
        for _ in _runs(runs, bare):
            t = time.perf_counter()
            wh.run(BARE_SQL[name], params)
            bare.append(time.perf_counter() - t)
    out = {"cold": cold, "warm": warm, "uncached": uncached, "bare": bare, "calls": calls}
    print(json.dumps({**out, "cold_sql": cold_sql, "warm_sql": warm_sql}))


# A page's runs of one kind stop after this many seconds (at least MIN_RUNS): a page taking seconds
# a view at 100M lines would otherwise keep the bench busy for an hour
RUNS_SECONDS = 30
MIN_RUNS = 3


def _runs(runs: str, done: list[float]):
    """Up to `runs` runs, or fewer once those `done` took RUNS_SECONDS (never fewer than MIN_RUNS)."""
    for i in range(int(runs)):
        if i >= MIN_RUNS and sum(done) > RUNS_SECONDS:
            return
        yield i


def tables(db: str) -> None:
    from warehouse.api import Warehouse

    wh = Warehouse.open(Path(db))
    frame = wh.run("select table_name, estimated_size from duckdb_tables() order by 1").frame
    print(
        json.dumps(dict(zip(frame["table_name"].to_list(), frame["estimated_size"].to_list(), strict=True)))
    )


def profile_pages(db: str, out: str) -> None:
    from pyinstrument import Profiler

    from bench.page_queries import PAGES, run_page, typical_filters
    from warehouse.api import Warehouse

    wh = Warehouse.open(Path(db))
    f = typical_filters(wh.as_of())
    for name in PAGES:
        run_page(wh, name, f)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(3):
        for name in PAGES:
            wh.clear_query_cache()
            run_page(wh, name, f)
    profiler.stop()
    Path(out).write_text(profiler.output_text(show_all=False))


COMMANDS = {
    "raw-load": raw_load,
    "stage-floor": stage_floor,
    "page": page,
    "tables": tables,
    "profile-pages": profile_pages,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
