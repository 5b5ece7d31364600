"""`make bench`: speed and memory of ingest, build, every page's queries and the app's first render.

    python -m bench.run --scales 1,10,50      (millions of order lines; `make bench-quick` = 0.1)
    python -m bench.run --scales 1 --profile  (also saves pyinstrument profiles of ingest and pages)

Per scale: generate the demo exports (contacts, surveys and sessions in proportion), then time
- ingest: a raw DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)` of orders.csv (auto-detected,
  and with the contract's column types given) against `cx ingest` of the same file (parse, profile
  mapping, every quality check, load, quarantine, lineage); wall, rows/s and peak RSS;
- build: `cx build` (every model into a new snapshot); wall and peak RSS;
- pages: each page's query set (bench/page_queries.py) for the typical filter, cold and warm; the
  overview's, loyalty page's, monthly review's and voice page's (VIEW_PAGES) also for the view the
  dashboard opens on and a region manager's, with and without a channel chosen (OTHER_VIEWS);
- app: `streamlit run app.py` to the first chart drawn in headless Chromium (bench/app_render.py);
- load: N viewers in Chromium at once, the server's CPU seconds per page view (bench/load_run.py).
Every step runs in its own child process, so its peak RSS (os.wait4) is its own. Tables with the
targets and pass/miss marks are printed (bench/report.py) and saved with the raw figures as
JSON and Markdown under data/bench/. Nothing is asserted: tests stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from demo.next_day import split_last_days

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
# Order lines per unit of the generator's scale, measured (scale 1 -> 195,907; 5.12 -> 999,792;
# 51.2 -> 10,029,241):
# `--scales 10` asks for scale 51.2, which writes ~10.0M lines, ~1.9M contacts, ~1.0M answers.
LINES_PER_SCALE = 195_400
OUT_DIR = ROOT / "data" / "bench"
# The load run (bench/load_run.py): 5 people each opening 5 pages at once, as in issue 20's figure.
LOAD_VIEWERS, LOAD_VIEWS = 5, 5


def child(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a child process; return (wall seconds, peak RSS in GB, stdout)."""
    wall, gb, _, out = child_usage(args, env)
    return wall, gb, out


def child_usage(args: list[str], env: dict | None = None) -> tuple[float, float, float, str]:
    """Run a child process; return (wall seconds, peak RSS in GB, CPU seconds, stdout). CPU (user +
    system) is what a shared machine distorts least: wall time also counts the neighbours' work."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=err, env={**os.environ, **(env or {})}, cwd=ROOT
        )
        out = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(args[:4])} ... failed:\n{err.read().decode()[-3000:]}")
    return wall, usage.ru_maxrss / 1024 / 1024, usage.ru_utime + usage.ru_stime, out


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    import polars

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, Polars {polars.__version__}"
    )


# demo.generator simulates the world in blocks of 50k customers (~490k order lines) and appends each
# block's rows to the exports before the next, so its memory does not grow with the scale: measured
# peak RSS 0.27 GB at 1.0M order lines, 0.32 GB at 10.0M, 0.33 GB at 50.0M, 0.34 GB at 100.2M
# (before the blocks: 0.41, 2.2 and 9.7 GB, ~0.21 GB per million); 1 GB leaves room. A machine
# with less memory free than that is reported as not measured, not crashed.
GENERATOR_PEAK_GB = 1.0
# Disk a scale takes, per million order lines (measured at 10M): the exports 0.26 GB, removed after
# the ingest; the ingest database 0.07, a snapshot 0.19 and the build's spill (a scale that cannot
# fit is reported, not crashed)
EXPORTS_DISK_GB_PER_MILLION = 0.26
WAREHOUSE_DISK_GB_PER_MILLION = 0.35
# The incremental build is measured up to this scale (issue 20's target is at 10M lines): holding the
# last day back rewrites the exports once, which at 100M lines costs minutes and 26 GB more disk.
INCREMENTAL_MAX_MILLIONS = 10


class SkipScale(Exception):
    pass


def available_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("inf")


def bench_scale(
    millions: float,
    workdir: Path,
    runs: int,
    profile_dir: Path | None,
    keep: bool = False,
    exports: Path | None = None,
    keep_warehouse: bool = False,
) -> dict:
    """One scale's measures. `exports`: demo exports generated before (by a run with --keep), not
    generated again (and removed after the ingest like generated ones, unless `keep`);
    `keep_warehouse`: keep the ingest database and its snapshots (to measure pages again)."""
    scale = millions * 1_000_000 / LINES_PER_SCALE
    need, free = GENERATOR_PEAK_GB, available_gb()
    if need > 0.9 * free:
        raise SkipScale(
            f"not measured: generating the demo exports needs ~{need:.1f} GB of memory, "
            f"{free:.1f} GB available"
        )
    disk_free = shutil.disk_usage(workdir).free / 1024**3
    disk_need = (WAREHOUSE_DISK_GB_PER_MILLION + (0 if exports else EXPORTS_DISK_GB_PER_MILLION)) * millions
    if exports and not keep:  # removed after the ingest, before the build needs the room
        disk_free += sum(f.stat().st_size for f in exports.glob("*")) / 1024**3
    if disk_need > disk_free:
        raise SkipScale(
            f"not measured: exports, ingest database, snapshot and spill need ~{disk_need:.0f} GB "
            f"of disk, {disk_free:.0f} GB free in {workdir}"
        )
    out = exports or workdir / f"exports-{millions:g}M"
    db = workdir / f"wh-{millions:g}M.duckdb"
    res: dict = {"millions": millions, "scale": scale}
    if exports is None:
        say(f"{millions:g}M: generating the demo exports (scale {scale:.2f})")
        res["generate_s"], res["generate_gb"], _ = child(
            [
                PY,
                "-c",
                "import sys; from pathlib import Path; from demo.generator import write_exports; "
                "write_exports(Path(sys.argv[1]), scale=float(sys.argv[2]))",
                str(out),
                repr(scale),
            ]
        )
    else:
        res["generate_s"] = res["generate_gb"] = None
    manifest = json.loads((out / "manifest.json").read_text())
    res["rows"] = {source: f["rows"] for source, f in manifest["files"].items()}
    next_day = None
    if millions <= INCREMENTAL_MAX_MILLIONS:
        # the last day held back: loaded after the full build, as a retailer's next daily exports
        say(f"{millions:g}M: holding the last day's rows back (demo/next_day.py)")
        base, next_day = workdir / f"exports-{millions:g}M-base", workdir / f"exports-{millions:g}M-next-day"
        res["next_day_rows"] = split_last_days(out, base, next_day, days=1)
        shutil.rmtree(out)
        out = base
    orders = out / "orders.csv"
    res["orders_rows"] = res["rows"]["orders"]
    res["orders_mb"] = orders.stat().st_size / 1e6

    say(f"{millions:g}M: raw DuckDB loads of orders.csv")
    from ingest.contracts import CONTRACTS, SQL_TYPES

    typed = json.dumps({c.name: SQL_TYPES[c.type] for c in CONTRACTS["orders"].columns})
    for key, types in (("raw", "{}"), ("raw_typed", typed)):
        raw_db = workdir / "raw.duckdb"
        res[f"{key}_s"], res[f"{key}_gb"], res[f"{key}_cpu_s"], rows = child_usage(
            [PY, "-m", "bench.child", "raw-load", str(raw_db), str(orders), types]
        )
        res[f"{key}_rows"] = int(rows)
        raw_db.unlink(missing_ok=True)
    # the least any load through a text stage costs (bench.child stage_floor): item 4's floor
    res["stage_floor_s"], res["stage_floor_gb"], _, line = child_usage(
        [PY, "-m", "bench.child", "stage-floor", str(orders), str(workdir)]
    )
    res["stage_floor"] = json.loads(line)

    say(f"{millions:g}M: cx ingest (the other sources, then orders.csv timed)")
    others = [str(p) for p in sorted(out.glob("*.csv")) if p.name != "orders.csv"]
    res["ingest_others_s"], res["ingest_others_gb"], _ = child(
        [PY, "-m", "cli.main", "ingest", *others, "--db", str(db), "--no-build", "--json"]
    )
    ingest = [PY, "-m", "cli.main", "ingest", str(orders), "--db", str(db), "--no-build", "--json"]
    res["ingest_s"], res["ingest_gb"], res["ingest_cpu_s"], line = child_usage(ingest)
    res["ingest_result"] = json.loads(line.strip().splitlines()[-1])
    if not keep and not profile_dir:  # the exports are the biggest files (26 GB at 100M lines)
        shutil.rmtree(out, ignore_errors=True)

    say(f"{millions:g}M: cx build")
    try:
        build = [PY, "-m", "cli.main", "build", "--db", str(db), "--quiet"]
        res["build_s"], res["build_gb"], _ = child(build)
    except RuntimeError as exc:
        raise SkipScale(f"cx build failed: {_last_line(exc)}") from None
    if next_day is not None:
        say(f"{millions:g}M: the next day's exports, ingested, then built incrementally")
        day = [PY, "-m", "cli.main", "ingest", *map(str, sorted(next_day.glob("*.csv"))), "--db", str(db)]
        res["day_ingest_s"], res["day_ingest_gb"], res["day_ingest_cpu_s"], _ = child_usage(
            [*day, "--no-build", "--json"]
        )
        # not --quiet: what each model did, and the summary line
        res["day_build_s"], res["day_build_gb"], res["day_build_cpu_s"], line = child_usage(build[:-1])
        res["day_build_models"] = line.strip().splitlines()
        if not keep:
            shutil.rmtree(next_day, ignore_errors=True)
    # Every model built again from all the data, without the VoC fit the first build included:
    # the build issue 20 item 1 times (its 225 s at 50M predate the VoC step) and the incremental
    # build's yardstick. Not quiet: each model's seconds are kept, to say which ones grow.
    say(f"{millions:g}M: cx build --full (every model from all the data, the models fitted before)")
    full = [*build[:-1], "--full"]
    res["full_build_s"], res["full_build_gb"], res["full_build_cpu_s"], line = child_usage(full)
    res["full_build_models"] = line.strip().splitlines()
    res["warehouse_rows"] = _table_rows(db)

    from bench.page_queries import OTHER_VIEWS, PAGES, VIEW_PAGES

    res["pages"] = {}
    for page in PAGES:
        say(f"{millions:g}M: page {page}")
        _, _, line = child([PY, "-m", "bench.child", "page", page, str(db), str(runs)])
        res["pages"][page] = json.loads(line)
    res["views"] = {}
    for view in OTHER_VIEWS:
        res["views"][view] = {}
        for page in VIEW_PAGES:
            say(f"{millions:g}M: page {page}, view {view}")
            _, _, line = child([PY, "-m", "bench.child", "page", page, str(db), str(runs), view])
            res["views"][view][page] = json.loads(line)

    say(f"{millions:g}M: streamlit run -> first chart in Chromium")
    try:
        _, _, line = child([PY, "-m", "bench.app_render", str(db)])
        res["app"] = json.loads(line)
    except (RuntimeError, json.JSONDecodeError) as exc:
        res["app"] = {"error": _last_line(exc)}

    say(f"{millions:g}M: load run, {LOAD_VIEWERS} viewers x {LOAD_VIEWS} views in Chromium")
    try:
        _, _, line = child(
            [PY, "-m", "bench.load_run", str(db), "--viewers", str(LOAD_VIEWERS), "--views", str(LOAD_VIEWS)]
        )
        res["load"] = json.loads(line)
    except (RuntimeError, json.JSONDecodeError) as exc:
        res["load"] = {"error": _last_line(exc)}

    if profile_dir:
        _profiles(res, db, orders, workdir, profile_dir, millions)
    if not keep and not keep_warehouse:  # the next scale needs the disk
        shutil.rmtree(out, ignore_errors=True)
        for path in workdir.glob(f"wh-{millions:g}M*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return res


def _last_line(exc: Exception) -> str:
    """An error's last line that says something (a child's stderr often ends with a blank line: the
    50M load run of 2026-11-30 was reported as "not measured ()")."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__


def _table_rows(db: Path) -> dict[str, int]:
    return json.loads(child([PY, "-m", "bench.child", "tables", str(db)])[2])


def _profiles(res: dict, db: Path, orders: Path, workdir: Path, profile_dir: Path, millions: float) -> None:
    """pyinstrument profiles of an ingest of orders.csv and of every page's warm query set."""
    profile_dir.mkdir(parents=True, exist_ok=True)
    say(f"{millions:g}M: profiling (pyinstrument) into {profile_dir}")
    scratch = workdir / "profile.duckdb"
    ingest_txt = profile_dir / f"ingest-{millions:g}M.txt"
    ingest = ["-m", "cli.main", "ingest", str(orders), "--db", str(scratch), "--no-build", "--json"]
    child([PY, "-m", "pyinstrument", "-r", "text", "-o", str(ingest_txt), *ingest])
    pages_txt = profile_dir / f"pages-{millions:g}M.txt"
    child([PY, "-m", "bench.child", "profile-pages", str(db), str(pages_txt)])
    res["profiles"] = [str(ingest_txt), str(pages_txt)]


def say(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,50", help="millions of order lines, comma separated")
    parser.add_argument("--runs", type=int, default=20, help="warm runs per page (p50/p95 over them)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and warehouses")
    parser.add_argument(
        "--keep-warehouses",
        action="store_true",
        help="keep the warehouses (to measure pages again), not the exports",
    )
    parser.add_argument(
        "--exports",
        type=Path,
        help="with one scale: its demo exports, generated before (a --keep run's exports-NM); "
        "removed after the ingest unless --keep",
    )
    parser.add_argument("--profile", action="store_true", help="save pyinstrument profiles")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where results are saved")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    if args.exports and len(scales) != 1:
        parser.error("--exports goes with one scale")
    (ROOT / "data").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="cx-bench-", dir=ROOT / "data"))
    started = datetime.now(UTC)
    meta = {
        "machine": machine(),
        "command": "python -m bench.run " + " ".join(sys.argv[1:]),
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "commit": _commit(),
    }
    print(report.header(meta))
    results, skipped = [], []
    try:
        for millions in scales:
            try:
                results.append(
                    bench_scale(
                        millions,
                        workdir,
                        args.runs,
                        args.out if args.profile else None,
                        args.keep,
                        args.exports,
                        args.keep_warehouses,
                    )
                )
            except SkipScale as exc:
                skipped.append({"millions": millions, "skipped": str(exc)})
                print(f"\n## {millions:g}M order lines: {exc}\n", flush=True)
                continue
            print(report.scale_tables(results[-1]), flush=True)
        print(report.summary_tables(results))
    finally:
        if args.keep or args.keep_warehouses:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = f"{started:%Y%m%dT%H%M}"
    saved = {**meta, "results": results, "skipped": skipped}
    (args.out / f"results-{stamp}.json").write_text(json.dumps(saved, indent=1))
    markdown = report.header(meta) + "\n" + "\n".join(report.scale_tables(r) for r in results)
    markdown += "".join(f"\n## {s['millions']:g}M order lines: {s['skipped']}\n" for s in skipped)
    markdown += "\n" + report.summary_tables(results)
    (args.out / "latest.md").write_text(markdown)
    print(f"saved {args.out / f'results-{stamp}.json'} and {args.out / 'latest.md'}")


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
