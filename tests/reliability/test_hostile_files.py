"""Hostile files (issue 11), beyond the corpus: a warehouse folder named like a pattern, refusals
that quote what they read, file names a terminal would act on, a .csv.gz judged by its start, the
CX_MAX_ERROR_SHARE setting, a 10 MB value shown cut.

The corpus (cases_names.py) covers export names with [ ] * ?; here the warehouse's own folder
and name hold them, as the scratch folder with the stage files DuckDB reads sits beside it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import Settings
from ingest import readers
from ingest.loader import MAX_ERROR_SHARE
from ingest.read_errors import SHOWN_CHARACTERS, SHOWN_NAMES
from ingest.run import ingest_paths
from tests.ingest.exports import SALT, query
from tests.reliability import builders as b
from tests.reliability.cases_shares import orders
from tests.reliability.warehouse_state import checksums, good_load
from warehouse.api import Warehouse
from warehouse.build import build

SETTINGS = Settings(pii_salt=SALT)


def test_issue_11_a_warehouse_folder_named_like_a_pattern(tmp_path: Path):
    db = tmp_path / "wh[1]*" / "w[1].duckdb"  # (DuckDB itself cannot open a database path with ?)
    db.parent.mkdir()
    # the scratch folder a killed ingest of another warehouse (w1.duckdb) left, which the
    # pattern .w[1].duckdb.ingest-* would match: not this warehouse's to remove
    other = db.parent / ".w1.duckdb.ingest-20260101T000000Z-0badcafe"
    other.mkdir()
    exports = tmp_path / "exports"
    exports.mkdir()
    files = {
        "orders.csv": b.csv_bytes(b.table("orders", b.rows("orders", "pf1"))),
        "orders.csv.gz": gzip.compress(b.csv_bytes(b.table("orders", b.rows("orders", "pf2")))),
        "orders.jsonl": b.frame("orders", b.rows("orders", "pf3")).write_ndjson().encode(),
        "orders.parquet": b.parquet_bytes(b.frame("orders", b.rows("orders", "pf4"))),
    }
    for name, data in files.items():
        (exports / name).write_bytes(data)
    results = ingest_paths([exports / name for name in files], db, settings=SETTINGS)
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 2)] * 4, [r.message for r in results]
    assert query(db, "select count(*) from raw.orders") == [(8,)]
    assert other.is_dir()
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(".w[1]")] == []


def test_issue_11_a_refusal_quotes_a_short_escaped_part_of_what_it_read(tmp_path: Path):
    """A symlinked system file: its first line is the 'header' the refusal quotes."""
    secret = "root:$6$SALTSALT$" + "H" * 80 + "\x1b]2 owned\x07:19000:0:99999:7:::"
    system = tmp_path / "system" / "shadow"
    system.parent.mkdir()
    system.write_text(f"{secret}\ndaemon:*:19000:0:99999:7:::\n")
    export = tmp_path / "exports" / "export.csv"
    export.parent.mkdir()
    export.symlink_to(system)
    wide = tmp_path / "exports" / "wide.csv"
    wide.write_text(",".join(f"column_{i}" for i in range(500)) + "\n" + ",".join("1" * 500) + "\n")
    db = tmp_path / "wh" / "warehouse.duckdb"

    results = ingest_paths([export, wide], db, settings=SETTINGS)

    assert [r.status for r in results] == ["refused", "refused"]
    escaped = secret.replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    shown = f"'{escaped[:SHOWN_CHARACTERS]}... (+{len(escaped) - SHOWN_CHARACTERS:,} characters)'"
    assert f"found header: {shown}" in results[0].message, results[0].message
    assert "H" * 40 not in results[0].message and "owned" not in results[0].message
    assert "column_9'" in results[1].message and "column_10'" not in results[1].message
    assert ", ... (500 in all)" in results[1].message
    assert max(len(r.message) for r in results) < 2_000
    stored = query(db, "select message from meta.file_loads order by file_name")
    assert stored == [(results[0].message,), (results[1].message,)]
    assert SHOWN_NAMES == 10


HOSTILE_NAMES = {
    b"esc\x1b[2J\x1b[31mred.csv": "esc\\x1b[2J\\x1b[31mred.csv",  # clears the screen, turns it red
    b"cr\rOVERWRITTEN.csv": "cr\\x0dOVERWRITTEN.csv",  # a carriage return overwrites the line
    b"bidi\xe2\x80\xaevsc.csv": "bidi\\u202evsc.csv",  # right-to-left override: reads as csv.csv
    b"not-utf8-\xff.csv": "not-utf8-\\xff.csv",  # bytes that are not UTF-8
    b"[bold red]markup[blink].csv": "[bold red]markup[blink].csv",  # rich markup, shown as it is
}


def test_issue_11_file_names_are_printed_and_stored_escaped(tmp_path: Path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for i, raw in enumerate(HOSTILE_NAMES):
        rows = b.rows("orders", f"hn{i}")
        # the ESC-named file is refused (header with a control character), the others load
        header = b.header("orders") if i else [b.header("orders")[0] + "\x1b[5m", *b.header("orders")[1:]]
        with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
            fh.write(b.csv_bytes([header, *rows]))
    db = tmp_path / "wh" / "warehouse.duckdb"
    env = {"CX_PII_SALT": SALT}

    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db), "--no-build"], env=env)

    assert result.exit_code == 1, result.output  # the ESC-named file is refused
    for control in ("\x1b", "\r", "\u202e", "\udcff"):
        assert control not in result.output
    for shown in HOSTILE_NAMES.values():
        assert shown in result.output, shown
    assert "'order_id\\x1b[5m'" in result.output
    stored = {name for (name,) in query(db, "select file_name from meta.file_loads")}
    assert stored == set(HOSTILE_NAMES.values())
    messages = " ".join(m for (m,) in query(db, "select message from meta.file_loads"))
    assert messages.isprintable()

    as_json = CliRunner().invoke(
        app,
        ["ingest", str(folder), "--db", str(tmp_path / "wh2" / "w.duckdb"), "--json", "--no-build"],
        env=env,
    )
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(lines) == len(HOSTILE_NAMES) and all(line["message"].isprintable() for line in lines)
    assert "\x1b" not in as_json.stdout and "\r" not in as_json.stdout


def test_issue_11_a_gzip_is_judged_by_its_start_and_loaded_whole(tmp_path: Path, monkeypatch):
    """Of a .csv.gz only the start is decompressed until the file is judged: a mostly-bad one is
    refused from it, a good one is then decompressed and loaded whole, one cut off further on is
    refused when the rest is read."""
    monkeypatch.setattr(readers, "GZIP_START_BYTES", 4096)  # ~40 rows, the start of 400
    calls = []
    gunzip = readers._gunzip
    monkeypatch.setattr(readers, "_gunzip", lambda *a: calls.append(a[2:]) or gunzip(*a))
    folder = tmp_path / "exports"
    folder.mkdir()
    bad = folder / "bad.csv.gz"
    bad.write_bytes(gzip.compress(b.csv_bytes(b.table("orders", orders("gzb", 0, 400)))))
    good = folder / "good.csv.gz"
    good.write_bytes(gzip.compress(b.csv_bytes(b.table("orders", orders("gzg", 400, 0)))))
    cut = folder / "cut.csv.gz"
    whole = gzip.compress(b.csv_bytes(b.table("orders", orders("gzc", 400, 0))))
    cut.write_bytes(whole[: len(whole) * 3 // 4])
    db = tmp_path / "wh" / "warehouse.duckdb"

    [refused] = ingest_paths([bad], db, settings=SETTINGS, error_share_min_rows=20)
    assert refused.status == "refused" and "20 of its first 20 rows break a rule" in refused.message
    assert calls == [(4096,)]  # the start only
    calls.clear()
    [loaded] = ingest_paths([good], db, settings=SETTINGS, error_share_min_rows=20)
    assert (loaded.status, loaded.rows_read, loaded.rows_loaded) == ("loaded", 400, 400), loaded.message
    assert calls == [(4096,), ()]  # the start, then the whole
    [broken] = ingest_paths([cut], db, settings=SETTINGS, error_share_min_rows=20)
    assert broken.status == "refused"
    assert "could not be read as csv.gz" in broken.message and "end-of-stream marker" in broken.message


def test_issue_11_cx_ingest_takes_the_share_from_cx_max_error_share(tmp_path: Path):
    export = tmp_path / "exports" / "orders.csv"
    export.parent.mkdir()
    export.write_bytes(b.csv_bytes(b.table("orders", orders("cli", 4_000, 6_000, bad_first=True))))
    args = ["ingest", str(export), "--json", "--no-build"]

    refused = CliRunner().invoke(app, [*args, "--db", str(tmp_path / "a.duckdb")], env={"CX_PII_SALT": SALT})
    assert refused.exit_code == 1
    [line] = [json.loads(x) for x in refused.stdout.splitlines()]
    assert line["status"] == "refused"
    assert "mostly bad rows: 6,000 of its first 10,000 rows break a rule" in line["message"]

    env = {"CX_PII_SALT": SALT, "CX_MAX_ERROR_SHARE": "0.75"}
    loaded = CliRunner().invoke(app, [*args, "--db", str(tmp_path / "b.duckdb")], env=env)
    [line] = [json.loads(x) for x in loaded.stdout.splitlines()]
    assert (line["status"], line["rows_loaded"], line["rows_quarantined"]) == ("loaded", 4_000, 6_000)

    bad = CliRunner().invoke(
        app, [*args, "--db", str(tmp_path / "c.duckdb")], env={"CX_MAX_ERROR_SHARE": "half"}
    )
    assert bad.exit_code == 1 and "CX_MAX_ERROR_SHARE must be a share between 0 and 1" in bad.stdout


def test_issue_11_the_error_share_setting():
    assert Settings().max_error_share == MAX_ERROR_SHARE == Settings.from_env({}).max_error_share == 0.5
    assert Settings.from_env({"CX_MAX_ERROR_SHARE": "0.2"}).max_error_share == 0.2
    for bad in ("-0.1", "1.5", "nan", "50%"):
        with pytest.raises(ValueError, match="CX_MAX_ERROR_SHARE must be a share between 0 and 1"):
            Settings.from_env({"CX_MAX_ERROR_SHARE": bad})


ROOT = Path(__file__).resolve().parents[2]
HOSTILE_ROWS = 2_000_000
PEAK_RSS_BOUND = 1024**3  # generous: the refusals below peak at about 0.3 and 0.6 GB
# Runs `python ARGS...` and reports its exit code and peak RSS (os.wait4, kilobytes on Linux) on
# stderr. A small go-between: Linux counts in a child's peak RSS the memory of the process it
# was forked from (the pytest process, with the generated export in it).
LAUNCH = (
    "import json, os, sys; pid = os.spawnv(os.P_NOWAIT, sys.executable, [sys.executable, *sys.argv[1:]]); "
    "_, status, usage = os.wait4(pid, 0); print(json.dumps("
    "{'exit': os.waitstatus_to_exitcode(status), 'maxrss_kb': usage.ru_maxrss}), file=sys.stderr)"
)


def mostly_bad_gzip(path: Path, good_first: int, rows: int = HOSTILE_ROWS) -> Path:
    """A realistic hostile export: ~5 MB of gzip, ~180 MB of order lines whose quantity does not
    parse, after `good_first` good ones; generated, seeded by construction."""
    i = pl.int_range(0, rows, eager=True)
    head = b.header("orders")
    frame = pl.DataFrame(
        {c: pl.repeat(v, rows, eager=True) for c, v in zip(head, b.rows("orders")[0], strict=True)}
    )
    frame = frame.with_columns(
        order_id="HB" + i.cast(pl.String),
        quantity=pl.when(i < good_first).then(pl.lit("2")).otherwise(pl.lit("lots")),
    )
    path.write_bytes(gzip.compress(frame.write_csv().encode(), compresslevel=6))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("good_first", [0, 10_000], ids=["bad_from_the_start", "bad_after_a_good_start"])
def test_issue_11_a_mostly_bad_gzip_is_refused_within_bounded_memory(tmp_path: Path, good_first: int):
    """`cx ingest` of 2M mostly-bad lines (before: 35 s, 1.2 GB peak RSS, 2M quarantine rows) in a
    child process whose peak RSS os.wait4 reports (LAUNCH): refused whole, under a generous bound."""
    db = good_load(tmp_path)
    export = mostly_bad_gzip(tmp_path / "exports" / "hostile.csv.gz", good_first)
    before = checksums(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CX_PII_SALT": SALT}
    command = ["-m", "cli.main", "ingest", str(export), "--db", str(db), "--json", "--no-build"]
    with open(tmp_path / "out.json", "wb") as out:
        launched = subprocess.run(
            [sys.executable, "-c", LAUNCH, *command], env=env, cwd=ROOT, stdout=out, stderr=subprocess.PIPE
        )
    child = json.loads(launched.stderr.decode().splitlines()[-1])
    [result] = [json.loads(line) for line in (tmp_path / "out.json").read_text().splitlines()]
    assert child["exit"] == 1 and result["status"] == "refused", result
    counted = (
        "10,000 of its first 10,000 rows break a rule (unparseable_integer: 10,000)"
        if not good_first
        else f"at least {HOSTILE_ROWS - good_first:,} of its {HOSTILE_ROWS:,} rows break a rule"
    )
    assert f"hostile.csv.gz: refused: mostly bad rows: {counted}" in result["message"]
    peak = child["maxrss_kb"] * 1024
    assert peak < PEAK_RSS_BOUND, f"peak RSS {peak / 1024**3:.2f} GB"
    after = checksums(db)  # nothing but the log row and the run's row
    assert {t: c for t, c in after.items() if t not in ("meta.file_loads", "meta.ingest_runs")} == {
        t: c for t, c in before.items() if t not in ("meta.file_loads", "meta.ingest_runs")
    }
    assert after["meta.file_loads"][0] == before["meta.file_loads"][0] + 1


def test_issue_11_the_data_quality_page_gets_cut_values_even_of_older_loads(tmp_path: Path):
    """A load from before issue 11 kept a 10 MB value whole, three times: the page's queries get
    it cut (stg_meta__quarantine), the record stays whole."""
    db = good_load(tmp_path)
    huge = "x" * 10_000_000
    con = duckdb.connect(str(db))
    con.execute(
        "insert into meta.quarantine values ('old-run', 'f', 'old.csv', 'orders', 1, 'unparseable_integer', "
        "'quantity', ?, ?, ?, timestamp '2024-01-01')",
        [huge, f"expected a whole number (found {huge})", json.dumps({"quantity": huge})],
    )
    con.close()
    build(db)
    wh = Warehouse.open(db)
    [row] = wh.quarantined_rows().frame.to_dicts()
    assert (len(row["offending_value"]), len(row["message"])) == (1_000, 2_000)
    [rule] = wh.quality_by_rule().frame.to_dicts()
    assert len(rule["example_value"]) == 1_000
    [(record,)] = wh.run("select length(record) from stg_meta__quarantine").frame.rows()
    assert record > 10_000_000
