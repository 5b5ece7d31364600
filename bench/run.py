"""`make bench`: speed and memory of ingest, build and every page's queries, at several scales.

Usage: python -m bench.run --scales 1,10,50   (millions of order lines; 0.1 for a smoke run)

Prints one table per measure with the machine it ran on. Every timed step runs in a child process
so its peak RSS is its own (os.wait4's rusage). Nothing here is asserted: tests stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINES_PER_SCALE = 200_000  # scale 1.0 of the demo generator ~ 200k order lines
ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def child(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a child process; return (wall seconds, peak RSS in GB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, cwd=ROOT)
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024 / 1024, out


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


RAW_LOAD = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("set preserve_insertion_order = false")
con.execute("create table t as select * from read_csv(?)", [sys.argv[2]])
print(con.execute("select count(*) from t").fetchone()[0])
"""

PAGE_TIMING = """
import json, statistics, sys, time
from datetime import timedelta
from pathlib import Path
from bench.page_queries import PAGES, BARE_SQL
from warehouse.api import Warehouse
from warehouse.filters import Filters
page, db, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
wh = Warehouse.open(db)
as_of = wh.as_of()
f = Filters(date_from=as_of - timedelta(days=89), date_to=as_of, channel=("web",), tier=("gold",))
t1 = time.perf_counter(); PAGES[page](wh, f); cold = time.perf_counter() - t1
warm = []
for _ in range(runs):
    t1 = time.perf_counter(); PAGES[page](wh, f); warm.append(time.perf_counter() - t1)
bare = []
for _ in range(runs):
    t1 = time.perf_counter(); wh.run(BARE_SQL["orders"], {"d1": f.date_from, "d2": f.date_to}); bare.append(time.perf_counter() - t1)
warm.sort(); bare.sort()
q = lambda xs, p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
print(json.dumps({"cold": cold, "open": t1 - t0, "p50": q(warm, .5), "p95": q(warm, .95), "bare_p50": q(bare, .5)}))
"""


def bench_scale(millions: float, workdir: Path, runs: int) -> dict:
    scale = millions * 1_000_000 / LINES_PER_SCALE
    out = workdir / f"exports-{millions}M"
    db = workdir / f"wh-{millions}M.duckdb"
    res: dict = {"millions": millions}
    res["generate_s"], res["generate_gb"], _ = child(
        [PY, "-c", f"from demo.generator import write_exports; from pathlib import Path; write_exports(Path({str(out)!r}), scale={scale})"]
    )
    orders = out / "orders.csv"
    res["orders_rows"] = sum(1 for _ in orders.open("rb")) - 1
    res["orders_mb"] = orders.stat().st_size / 1e6
    raw_db = workdir / "raw.duckdb"
    res["raw_s"], res["raw_gb"], _ = child([PY, "-c", RAW_LOAD, str(raw_db), str(orders)])
    raw_db.unlink(missing_ok=True)
    others = [str(p) for p in sorted(out.glob("*.csv")) if p.name != "orders.csv"]
    child([PY, "-m", "cli.main", "ingest", *others, "--db", str(db), "--no-build", "--json"])
    res["ingest_s"], res["ingest_gb"], _ = child(
        [PY, "-m", "cli.main", "ingest", str(orders), "--db", str(db), "--no-build", "--json"]
    )
    res["build_s"], res["build_gb"], _ = child([PY, "-m", "cli.main", "build", "--db", str(db), "--quiet"])
    from bench.page_queries import PAGES

    res["pages"] = {}
    for page in PAGES:
        _, _, line = child([PY, "-c", PAGE_TIMING, page, str(db), str(runs)])
        res["pages"][page] = json.loads(line)
    return res


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10,50", help="millions of order lines, comma separated")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="cx-bench-", dir=ROOT / "data" if (ROOT / "data").exists() else None))
    print(f"machine: {machine()}; work dir {workdir}\n")
    results = []
    try:
        for millions in scales:
            r = bench_scale(millions, workdir, args.runs)
            results.append(r)
            print_scale(r)
        if len(results) > 1:
            print_growth(results)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def print_scale(r: dict) -> None:
    rows = r["orders_rows"]
    print(f"## {rows:,} order lines ({r['orders_mb']:.0f} MB CSV)")
    print("| step | wall s | rows/s | peak RSS GB | vs raw DuckDB load |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| generate all exports | {r['generate_s']:.1f} | | {r['generate_gb']:.2f} | |")
    print(f"| raw DuckDB read_csv load | {r['raw_s']:.1f} | {rows / r['raw_s']:,.0f} | {r['raw_gb']:.2f} | 1.00 |")
    print(f"| cx ingest orders (all checks) | {r['ingest_s']:.1f} | {rows / r['ingest_s']:,.0f} | {r['ingest_gb']:.2f} | {r['ingest_s'] / r['raw_s']:.2f} |")
    print(f"| cx build (all models) | {r['build_s']:.1f} | | {r['build_gb']:.2f} | |")
    print()
    print("| page (last 90 days, web, gold) | cold ms | warm p50 ms | warm p95 ms | p95 / bare aggregate p50 |")
    print("| --- | --- | --- | --- | --- |")
    for page, t in r["pages"].items():
        print(f"| {page} | {t['cold'] * 1000:.0f} | {t['p50'] * 1000:.0f} | {t['p95'] * 1000:.0f} | {t['p95'] / t['bare_p50']:.1f} |")
    print()


def print_growth(results: list[dict]) -> None:
    print("## growth per 10x rows")
    print("| from -> to | ingest | build | overview warm p50 |")
    print("| --- | --- | --- | --- |")
    for a, b in zip(results, results[1:], strict=False):
        k = b["millions"] / a["millions"]
        def per10(x, y):
            import math
            return (y / x) ** (1 / math.log10(k)) if k > 1 else float("nan")
        print(
            f"| {a['millions']}M -> {b['millions']}M | {per10(a['ingest_s'], b['ingest_s']):.1f}x "
            f"| {per10(a['build_s'], b['build_s']):.1f}x | {per10(a['pages']['overview']['p50'], b['pages']['overview']['p50']):.1f}x |"
        )


if __name__ == "__main__":
    main()
