"""The drop folder (issue 15.3): every new file is ingested once and moved to done/ or failed/ with
its result beside it; a name already there gets a time-stamped suffix; a questions file moves with
its export; two runs at once never both process a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from typer.testing import CliRunner

from ops.inbox import base_name, claim, free_name

ROOT = Path(__file__).parents[2]
STORES = (
    "store_id,name,region,format,opened_at\n"
    "S1,One,North,flagship,2020-01-01\nS2,Two,South,outlet,2021-05-01\n"
)


def drop(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def run_inbox(folder: Path, db: Path, *extra: str):
    from cli.main import app

    return CliRunner().invoke(app, ["inbox", str(folder), "--db", str(db), "--no-alerts", *extra])


def test_files_move_to_done_or_failed_with_their_results(tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "wh.duckdb"
    drop(
        inbox,
        {
            "stores.csv": STORES,
            "mystery.csv": "a,b\n1,2\n",
            "mystery.questions.toml": 'nps = "Q1"\n',
            "upload.csv.part": "still being written",
            ".hidden.csv": STORES,
        },
    )
    result = run_inbox(inbox, db, "--json")
    assert result.exit_code == 1, result.output  # a file failed
    out = json.loads(result.output)
    assert {f["file"]: f["outcome"] for f in out["files"]} == {"stores.csv": "done", "mystery.csv": "failed"}
    assert out["built"] is True
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["stores.csv", "stores.csv.result.json"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == [
        "mystery.csv",
        "mystery.csv.result.json",
        "mystery.questions.toml",
    ]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [
        ".hidden.csv",
        ".inbox.lock",
        "upload.csv.part",
    ]
    done = json.loads((inbox / "done" / "stores.csv.result.json").read_text())
    assert done["outcome"] == "done" and done["results"][0]["status"] == "loaded"
    assert done["results"][0]["rows_loaded"] == 2 and done["results"][0]["file"] == "done/stores.csv"
    failed = json.loads((inbox / "failed" / "mystery.csv.result.json").read_text())
    assert (
        failed["results"][0]["status"] == "refused"
        and "header matches no profile" in failed["results"][0]["message"]
    )
    assert failed["questions"] == "mystery.questions.toml"

    again = run_inbox(inbox, db)  # nothing new: nothing happens
    assert again.exit_code == 0 and "no new files" in again.output


def test_a_name_already_there_gets_a_time_stamped_suffix(tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "wh.duckdb"
    drop(inbox, {"stores.csv": STORES})
    assert run_inbox(inbox, db).exit_code == 0
    drop(inbox, {"stores.csv": STORES})  # the same export again: a duplicate, still done
    result = run_inbox(inbox, db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["results"][0]["status"] == "duplicate"
    names = sorted(p.name for p in (inbox / "done").iterdir())
    assert len(names) == 4 and {"stores.csv", "stores.csv.result.json"} <= set(names)
    [second] = [n for n in names if n != "stores.csv" and n.endswith(".csv")]
    assert second.startswith("stores.") and f"{second}.result.json" in names


def test_free_name_and_base_name(tmp_path):
    now = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert base_name("orders.csv.gz") == "orders" and base_name("x.questions.toml") == "x.questions"
    assert free_name(tmp_path, "orders.csv.gz", now) == "orders.csv.gz"
    (tmp_path / "orders.csv.gz").write_text("")
    first = free_name(tmp_path, "orders.csv.gz", now)
    assert first == "orders.20261101T060000Z.csv.gz"
    (tmp_path / first).write_text("")
    assert free_name(tmp_path, "orders.csv.gz", now) == "orders.20261101T060000Z-2.csv.gz"


def _claim_all(args):
    folder, names = args
    processing = Path(folder) / ".processing"
    return [n for n in names if claim(Path(folder) / n, processing) is not None]


def test_each_file_is_claimed_by_one_process_only(tmp_path):
    names = [f"f{i}.csv" for i in range(200)]
    drop(tmp_path, dict.fromkeys(names, "x\n"))
    (tmp_path / ".processing").mkdir()
    with get_context("spawn").Pool(4) as pool:
        got = pool.map(_claim_all, [(str(tmp_path), names)] * 4)
    claimed = [n for part in got for n in part]
    assert sorted(claimed) == sorted(names)  # every file once, none twice


def test_two_runs_at_once_move_each_file_exactly_once(tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "wh.duckdb"
    files = {"stores.csv": STORES, "bad1.csv": "a,b\n1,2\n", "bad2.csv": "c\n3\n"}
    drop(inbox, files)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "cli.main", "inbox", str(inbox), "--db", str(db), "--no-alerts", "--json"]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    processed = []
    for out, _err in outs:
        data = json.loads(out)
        processed += [f["file"] for f in data.get("files", [])]
    assert sorted(processed) == sorted(files)  # between them, each file once
    moved = sorted(p.name for sub in ("done", "failed") for p in (inbox / sub).iterdir())
    assert moved == sorted([*files, *(f"{n}.result.json" for n in files)])
    assert not [p for p in inbox.iterdir() if p.is_file() and p.suffix == ".csv"]


def test_files_wait_for_the_next_run_when_the_warehouse_is_being_written(tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "wh.duckdb"
    drop(inbox, {"stores.csv": STORES})
    holder = subprocess.Popen(  # another process writing the warehouse holds DuckDB's lock
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run_inbox(inbox, db)
        assert result.exit_code == 1 and "nothing was moved" in result.output
        assert (inbox / "stores.csv").exists() and not list((inbox / "failed").iterdir())
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert run_inbox(inbox, db).exit_code == 0
    assert (inbox / "done" / "stores.csv").exists()
