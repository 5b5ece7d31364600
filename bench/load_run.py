"""Many viewers at once: the server's CPU per page view, with N simulated viewers in Chromium.

    python -m bench.load_run DB [--viewers 5] [--views 5]   -> prints the figures as JSON

One `streamlit run app.py` serves the warehouse DB on 127.0.0.1 (local mode: every page). Each
viewer is its own browser context (its own session), opening the dashboard's pages one after
another by URL, as people following links do; the viewers run at once. A view is counted when its
script run has finished (no running indicator, no skeleton) and its charts are drawn. First every
page is opened once, not counted, so the figures are the steady state of a server whose caches
hold the typical views (the cold figures are the page benchmark's).

The server's CPU is read from /proc/<pid>/stat (user + system, its threads included) before and
after the counted views: `cpu_s_per_view` is what one view costs the server, so a machine with
C cores serves at most about C / cpu_s_per_view views a second. `exceptions` counts pages that
showed an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.app_render import ARGS, CHROMIUM, free_port, stop

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
SETTLE_TIMEOUT_S = 60
STABLE_S = 0.5


def server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def page_paths() -> list[str]:
    from dashboard.navigation import PAGES

    return list(PAGES)


async def settle(page) -> None:
    """Wait until the view's script run has finished: the app's script state (the attribute
    Streamlit's own end-to-end tests wait on) is `notRunning` and stays so for STABLE_S (app.py
    reruns once on a first request), with no skeleton left. Waiting on the running indicator alone
    returned before slow runs had shown it; the next page.goto then stopped the run half way, so
    the warm-up left queries uncached and the counted views paid for them."""
    await page.wait_for_selector('[data-testid="stApp"]', timeout=SETTLE_TIMEOUT_S * 1000)
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    idle_since = None
    while time.monotonic() < deadline:
        state = await page.get_attribute('[data-testid="stApp"]', "data-test-script-state")
        skeleton = await page.locator('[data-testid="stSkeleton"]').count()
        if state == "notRunning" and not skeleton:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= STABLE_S:
                return
        else:
            idle_since = None
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{page.url} did not finish within {SETTLE_TIMEOUT_S} s")


async def viewer(browser, url: str, paths: list[str], views: int, offset: int) -> tuple[int, int]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    errors = 0
    for i in range(views):
        await page.goto(f"{url}/{paths[(offset + i) % len(paths)]}")
        await settle(page)
        errors += await page.locator('[data-testid="stException"]').count()
    await context.close()
    return views, errors


async def run(url: str, pid: int, viewers: int, views: int) -> dict:
    from playwright.async_api import async_playwright

    paths = page_paths()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        await viewer(browser, url, paths, len(paths), 0)  # warm-up: every page once
        cpu0, wall0 = server_cpu_s(pid), time.perf_counter()
        done = await asyncio.gather(*(viewer(browser, url, paths, views, k) for k in range(viewers)))
        cpu, wall = server_cpu_s(pid) - cpu0, time.perf_counter() - wall0
        await browser.close()
    n = sum(v for v, _ in done)
    return {
        "viewers": viewers,
        "views": n,
        "wall_s": round(wall, 2),
        "server_cpu_s": round(cpu, 2),
        "cpu_s_per_view": round(cpu / n, 3),
        "views_per_s": round(n / wall, 2),
        "exceptions": sum(e for _, e in done),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--viewers", type=int, default=5)
    parser.add_argument("--views", type=int, default=5, help="views per viewer")
    args = parser.parse_args()
    print(json.dumps(measure(args.db, args.viewers, args.views)))


def measure(db: Path, viewers: int, views: int) -> dict:
    from bench.app_render import _wait_healthy

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CX_DB": str(db)}
    env.pop("CX_LOCAL_ROLE", None)
    with open(Path(db).parent / "bench-load.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_healthy(url, proc, time.perf_counter())
            return asyncio.run(run(url, proc.pid, viewers, views))
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
