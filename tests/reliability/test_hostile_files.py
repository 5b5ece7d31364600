"""Hostile files (issue 11), beyond the corpus: a warehouse folder named like a pattern, refusals
that quote what they read, file names a terminal would act on.

The corpus (cases_names.py) covers export names with [ ] * ?; here the warehouse's own folder
and name hold them, as the scratch folder with the stage files DuckDB reads sits beside it.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from cli.settings import Settings
from ingest.read_errors import SHOWN_CHARACTERS, SHOWN_NAMES
from ingest.run import ingest_paths
from tests.ingest.exports import SALT, query
from tests.reliability import builders as b

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
