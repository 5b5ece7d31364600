"""Serving the dashboard for the browser tests: `streamlit run app.py` on a warehouse, in a child
process, until the block ends. (Chromium and its flags: bench/app_render.py, shared with the bench.)"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.app_render import free_port, stop

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def streamlit_server(
    db: Path,
    startup_seconds: float = 30,
    *,
    port: int | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """The URL of a dashboard serving the warehouse `db`; its log is streamlit.log beside `db`.
    `args` are more `streamlit run` options (e.g. `--secrets.files`), `env` more variables."""
    port = port or free_port()
    log = open(Path(db).parent / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
         str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *args],
        cwd=ROOT, env={**os.environ, "CX_DB": str(db), **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        stop(proc)
        log.close()
