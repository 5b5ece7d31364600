"""Time from `streamlit run app.py` to the first page drawn in headless Chromium.

    python -m bench.app_render DB   -> prints {"server_s": ..., "first_render_s": ...} as JSON

The clock starts when the server process is started; `server_s` is when its health endpoint first
answers, `first_render_s` when the default page (executive overview) shows its first Plotly chart
(`.js-plotly-plot .main-svg`), the same wait as tests/browser. Chromium is Debian's
(/usr/bin/chromium) driven by Playwright, never a downloaded browser.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Debian's chromium, and the flags it needs headless in a container (tests/browser uses the same).
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_first_render(db: Path, log: Path) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env={**os.environ, "CX_DB": str(db)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            with sync_playwright() as p:
                # The browser starts while the server does: a user's browser is already open.
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                server_s = _wait_healthy(url, proc, started)
                page.goto(url)
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_S * 1000)
                first_render_s = time.perf_counter() - started
                errors = page.locator('[data-testid="stException"]').count()
                browser.close()
        finally:
            stop(proc)
    return {"server_s": server_s, "first_render_s": first_render_s, "exceptions": errors}


def stop(proc: subprocess.Popen) -> None:
    """Stop a `streamlit run` child: SIGTERM, then SIGKILL if it has not ended within 10 s."""
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def _wait_healthy(url: str, proc: subprocess.Popen, started: float) -> float:
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("streamlit did not start")
        time.sleep(0.05)


if __name__ == "__main__":
    db = Path(sys.argv[1])
    print(json.dumps(time_first_render(db, db.parent / "bench-streamlit.log")))
