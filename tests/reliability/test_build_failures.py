"""`cx build` on a full disk, and a build killed half-way (issue 11).

A full disk: the serving folder is a small tmpfs, mounted in a mount namespace of the child that
runs the builds (`unshare`), so nothing is mounted on the machine; skipped where that is not
allowed. It is filled after a first build, so the second runs out of space: one line, exit 1, no
file left behind, readers still on the first snapshot. A killed build: its file is no snapshot,
is not among the three kept, and the next build removes it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ingest.exports import SALT
from tests.reliability.warehouse_state import good_load
from warehouse import snapshots
from warehouse.build import build

ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.01

FULL_DISK = """
set -u
mount -t tmpfs -o size=64m tmpfs "$SERVING" || exit 90
"$PYTHON" -m cli.main build --db "$DB" -q > "$OUT/first.out" 2> "$OUT/first.err"; echo $? > "$OUT/first.exit"
cat "$SERVING/CURRENT" > "$OUT/first.current"
dd if=/dev/zero of="$SERVING/filler" bs=64k 2> /dev/null
truncate -s -256K "$SERVING/filler"  # 256 KB left: not enough for a snapshot
"$PYTHON" -m cli.main build --db "$DB" > "$OUT/second.out" 2> "$OUT/second.err"; echo $? > "$OUT/second.exit"
cat "$SERVING/CURRENT" > "$OUT/second.current"
ls -a "$SERVING" > "$OUT/second.ls"
"""


def _can_unshare() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "-rm", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(
    not _can_unshare(), reason="needs unshare -rm (a user and mount namespace) to mount a tmpfs"
)
def test_issue_11_cx_build_on_a_full_disk_says_so_in_one_line(tmp_path: Path):
    db = good_load(tmp_path)
    serving = snapshots.serving_dir(db)
    serving.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CX_PII_SALT": SALT,
        "PYTHON": sys.executable,
        "DB": str(db),
        "SERVING": str(serving),
        "OUT": str(out),
    }
    ran = subprocess.run(["unshare", "-rm", "bash", "-c", FULL_DISK], env=env, cwd=ROOT, capture_output=True)
    if ran.returncode == 90:
        pytest.skip(f"cannot mount a tmpfs here: {ran.stderr.decode()}")

    def read(name: str) -> str:
        return (out / name).read_text()

    assert read("first.exit").strip() == "0", read("first.err")
    assert read("second.exit").strip() == "1", read("second.out") + read("second.err")
    [line] = read("second.err").splitlines()
    assert line.startswith("build failed: could not write the new snapshot in "), line
    assert "No space left on device" in line and line.endswith("the published snapshot is unchanged")
    assert "Traceback" not in read("second.out") + read("second.err")
    first = read("first.current").strip()
    assert read("second.current").strip() == first  # readers stay on the first snapshot
    assert sorted(read("second.ls").split()) == sorted([".", "..", "CURRENT", "filler", first])


def test_issue_11_a_killed_build_is_no_snapshot_and_is_removed(tmp_path: Path):
    db = good_load(tmp_path)
    first = build(db).snapshot
    folder = snapshots.serving_dir(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CX_PII_SALT": SALT}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "build", "--db", str(db), "-q"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not list(folder.glob("building-*.duckdb")):  # the build has started writing
            assert proc.poll() is None, "the build ended before it could be killed"
            time.sleep(POLL_SECONDS)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [killed] = folder.glob("building-*.duckdb")
    assert snapshots.current_snapshot(db) == first
    assert [p.name for p in folder.glob("snapshot-*.duckdb")] == [first.name]

    second, third = build(db).snapshot, build(db).snapshot

    # the three kept are the three published; the killed build's file is gone
    assert sorted(folder.glob("snapshot-*.duckdb")) == [first, second, third]
    assert not killed.exists() and not list(folder.glob("building-*"))
    assert snapshots.current_snapshot(db) == third


def test_issue_11_a_running_build_keeps_its_file(tmp_path: Path):
    """Two builds at once: neither removes the other's file."""
    db = good_load(tmp_path)
    build(db)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        running = snapshots.serving_dir(db) / f"building-20260101T000000000000-{other.pid}.duckdb"
        running.write_bytes(b"being written")
        build(db)
        assert running.exists()
    finally:
        other.kill()
        other.wait()
    build(db)
    assert not running.exists()


def test_issue_20_a_build_spills_beside_the_snapshots_and_leaves_nothing(tmp_path: Path, monkeypatch):
    """A build's memory is capped (CX_BUILD_MEMORY_GB) and it spills to its own folder, which it
    removes; a killed build's spill folder is removed by the next build, as its file is."""
    db = good_load(tmp_path)
    folder = snapshots.serving_dir(db)
    seen = {}
    original = snapshots.publish

    def publish(db_, built):  # the settings the build ran with, read before it is published
        import duckdb

        con = duckdb.connect(str(built), read_only=True)
        seen["tables"] = con.execute("select count(*) from information_schema.tables").fetchone()[0]
        con.close()
        return original(db_, built)

    monkeypatch.setattr(snapshots, "publish", publish)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    abandoned = folder / f"building-20260101T000000000000-{dead.pid}-tmp"
    abandoned.mkdir(parents=True)
    (abandoned / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")

    small = build(db, memory_gb=0.25)
    default = build(db)
    assert seen["tables"] > 10 and small.models == default.models
    assert not abandoned.exists() and not list(folder.glob("building-*"))


def test_issue_20_the_build_memory_setting_is_checked():
    from config.settings import build_memory_from_env

    assert build_memory_from_env({}) == 3.0
    assert build_memory_from_env({"CX_BUILD_MEMORY_GB": "1.5"}) == 1.5
    for bad in ("0", "-1", "lots", "0.1"):
        with pytest.raises(ValueError, match="CX_BUILD_MEMORY_GB must be a number of GB"):
            build_memory_from_env({"CX_BUILD_MEMORY_GB": bad})
