"""Readers and writers at the same time: a reader process (and a running dashboard) keep answering
while a writer process ingests and builds several times, and only ever see what one published
snapshot holds, the old one or the new one, never a mix (README: "How readers and writers share the
warehouse"). A build that finds the ingest database locked stops with a message, not a traceback."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.dashboard.conftest import make_app
from tests.dashboard.test_pages import tile
from tests.reliability.concurrency import observe
from tests.reliability.warehouse_state import good_load
from warehouse import snapshots
from warehouse.api import Warehouse
from warehouse.build import BuildError, build

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PATIENCE_SECONDS = 600  # only to stop a hung test; nothing is asserted about time
pytestmark = pytest.mark.slow


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """BASE of every source ingested and built: the first published snapshot."""
    db = good_load(tmp_path)
    build(db)
    return db


def _start(role: str, *args) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.reliability.concurrency", role, *map(str, args)]
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _wait(condition, what: str, *procs: subprocess.Popen) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        for proc in procs:
            assert proc.poll() is None, f"{what}: a process ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def _finish(proc: subprocess.Popen) -> None:
    out, err = proc.communicate(timeout=PATIENCE_SECONDS)
    assert proc.returncode == 0, err.decode()


def _state(event: dict) -> tuple:
    return (event["fct_orders"], event["mart_orders"], event["aov"])


def test_a_reader_sees_only_published_snapshots_while_a_writer_ingests_and_builds(published, tmp_path):
    db = published
    first = Warehouse.open(db)
    initial, initial_snapshot = observe(first), first.snapshot
    first.close()
    exports = tmp_path / "writer_exports"
    exports.mkdir()
    reader_log, writer_log, stop = tmp_path / "reader.jsonl", tmp_path / "writer.jsonl", tmp_path / "stop"

    reader = _start("reader", db, reader_log, stop)
    try:
        _wait(lambda: _events(reader_log), "the reader's first read", reader)
        writer = _start("writer", db, exports, writer_log, 4)
        _finish(writer)
        published_states = [initial, *_events(writer_log)]
        final = _state(published_states[-1])
        _wait(
            lambda: any(_state(e) == final for e in _events(reader_log) if "aov" in e), "final read", reader
        )
    finally:
        stop.touch()
    _finish(reader)

    events = _events(reader_log)
    assert [e for e in events if "error" in e] == []
    seen = {_state(e) for e in events}
    assert seen <= {_state(s) for s in published_states}, "a read matched no published snapshot"
    assert _state(initial) in seen and final in seen
    assert len({_state(s) for s in published_states}) == 5  # every build changed the totals
    # The connection held from the start kept answering with its own snapshot after later builds
    # had removed that snapshot's file.
    assert all(e["held_unchanged"] for e in events)
    assert not initial_snapshot.exists()


def test_the_dashboard_keeps_answering_during_builds(published, tmp_path, monkeypatch):
    db = published
    first = Warehouse.open(db)
    initial = observe(first)["aov"]
    first.close()
    exports = tmp_path / "writer_exports"
    exports.mkdir()
    writer_log = tmp_path / "writer.jsonl"
    at = make_app(db, monkeypatch)  # one session, rerun again and again, its caches kept

    def aov_tile() -> str:
        assert not at.exception, [e.value for e in at.exception]
        return html.escape(tile(at, "aov")["value"])  # as the page wrote it

    at.run()
    shown = [aov_tile()]
    writer = _start("writer", db, exports, writer_log, 3)
    while writer.poll() is None:
        at.run()
        shown.append(aov_tile())
    _finish(writer)
    at.run()
    shown.append(aov_tile())

    published_aov = [initial, *(e["aov"] for e in _events(writer_log))]
    assert set(shown) <= set(published_aov)
    assert shown[0] == initial and shown[-1] == published_aov[-1] != initial


def test_build_while_the_ingest_database_is_locked_says_so(published, tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(600)",
            str(published),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"held"  # an ingest holds the write lock
        before = snapshots.current_snapshot(published)
        with pytest.raises(BuildError, match="in use by another process .an ingest running.."):
            build(published)
        assert snapshots.current_snapshot(published) == before  # readers stay on the last snapshot
        assert len(list(snapshots.serving_dir(published).glob("snapshot-*.duckdb"))) == 1
    finally:
        holder.kill()
        holder.wait()
