"""Loading: reconciliation, idempotence, lineage, personal data, and all-or-nothing per file."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest import run as ingest_run
from ingest.contracts import CONTRACTS
from ingest.store import raw_columns

from .exports import BASE, SALT, csv_with, quarantined, query


def _counts(db: Path) -> dict[str, int]:
    tables = [f"raw.{s}" for s in CONTRACTS] + ["meta.quarantine"]
    return {t: query(db, f"select count(*) from {t}")[0][0] for t in tables}


def test_all_tables_exist_after_first_use_even_empty(ingest, write, db):
    ingest(write("empty.csv", ""))  # refused, but the warehouse is set up
    tables = {
        f"{s}.{t}" for s, t in query(db, "select table_schema, table_name from information_schema.tables")
    }
    assert {f"raw.{s}" for s in CONTRACTS} | {
        "meta.quarantine",
        "meta.file_loads",
        "meta.ingest_runs",
    } <= tables
    for source, contract in CONTRACTS.items():
        cols = query(
            db,
            "select column_name, data_type from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? order by ordinal_position",
            [source],
        )
        assert [(n, t.lower()) for n, t in cols] == raw_columns(contract)


def test_rows_read_equals_loaded_plus_quarantined_everywhere(ingest, write, db):
    files = [write(f"{s}.csv", BASE[s]) for s in BASE]
    files.append(write("orders_bad.csv", csv_with("orders", order_id="O7", quantity="-1", channel="fax")))
    results = ingest(*files)
    assert all(r.status == "loaded" for r in results), [r.message for r in results]
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined
    logged = query(
        db, "select file_id, source, rows_read, rows_loaded, rows_quarantined, status from meta.file_loads"
    )
    assert len(logged) == len(files)
    for file_id, source, read, loaded, quarantined_rows, status in logged:
        assert status == "loaded" and read == loaded + quarantined_rows
        assert query(db, f"select count(*) from raw.{source} where _file_id = ?", [file_id]) == [(loaded,)]
        assert query(
            db, "select count(distinct row_number) from meta.quarantine where file_id = ?", [file_id]
        ) == [(quarantined_rows,)]
    [(files_n, read, loaded, quarantined_n, status)] = query(
        db, "select files, rows_read, rows_loaded, rows_quarantined, status from meta.ingest_runs"
    )
    assert (files_n, status) == (len(files), "ok")
    assert read == loaded + quarantined_n == sum(r.rows_read for r in results)
    # orders_bad.csv: row 1 repeats O1/1 of orders.csv, row 2 breaks two rules
    assert quarantined(db) == [
        (1, "duplicate_key", "order_id,line_no"),
        (2, "negative_quantity", "quantity"),
        (2, "unknown_value", "channel"),
    ]
    assert quarantined_n == 2


def test_lineage_columns(ingest, write, db):
    path = write("orders.csv", BASE["orders"])
    [r] = ingest(path)
    file_id = hashlib.sha256(path.read_bytes()).hexdigest()
    [(run_id,)] = query(db, "select run_id from meta.ingest_runs")
    rows = query(
        db, "select _file_id, _row_number, _run_id, _loaded_at is not null from raw.orders order by 2"
    )
    assert rows == [(file_id, 1, run_id, True), (file_id, 2, run_id, True)]


def test_same_content_twice_is_a_duplicate_even_under_another_name(ingest, write, db):
    first = write("orders.csv", csv_with("orders", quantity="-1"))
    [loaded] = ingest(first)
    before = _counts(db)
    again = write("orders_copy.csv", first.read_text())
    results = ingest(first, again)
    assert [r.status for r in results] == ["duplicate", "duplicate"]
    assert all((r.rows_read, r.rows_loaded, r.rows_quarantined) == (0, 0, 0) for r in results)
    assert (
        "same content as orders.csv" in results[1].message and "already loaded in run" in results[1].message
    )
    assert _counts(db) == before
    assert query(db, "select status, count(*) from meta.file_loads group by 1 order by 1") == [
        ("duplicate", 2),
        ("loaded", 1),
    ]
    assert query(db, "select count(*) from meta.ingest_runs")[0][0] == 2
    assert loaded.status == "loaded"


def test_personal_data_is_hashed_or_dropped(ingest, write, db):
    text = csv_with("customers", row=1, email="  Ann@Example.COM ")
    text += "C3,platinum,2023-02-01,2023-02-01,east,family,carl@example.com,+44 20 7946 0003,maybe\n"
    [r] = ingest(write("customers.csv", text))
    assert (r.rows_loaded, r.rows_quarantined) == (2, 1)
    columns = [
        c
        for (c,) in query(
            db,
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'customers'",
        )
    ]
    assert "email_hash" in columns and "email" not in columns and "phone" not in columns
    hashes = dict(query(db, "select customer_id, email_hash from raw.customers"))
    assert hashes["C1"] == hashlib.sha256((SALT + "ann@example.com").encode()).hexdigest()
    [(record,)] = query(db, "select record from meta.quarantine")
    assert "carl@example.com" not in record and "7946" not in record and '"customer_id":"C3"' in record
    stored = " ".join(str(v) for row in query(db, "select * from raw.customers") for v in row)
    assert "example.com" not in stored and "7946" not in stored


def test_failure_mid_load_rolls_the_file_back(ingest, write, db, monkeypatch):
    ingest(write("orders.csv", BASE["orders"]))
    before = _counts(db)
    original = ingest_run.load_file

    def failing(*args, step, **kwargs):
        def boom(name):
            if name == "load":  # after the raw insert, before the quarantine and the file log
                raise RuntimeError("disk full (simulated)")
            step(name)

        return original(*args, step=boom, **kwargs)

    monkeypatch.setattr(ingest_run, "load_file", failing)
    text = csv_with("orders", row=1, order_id="O8", quantity="-1").replace("O2,", "O9,")
    [r] = ingest(write("orders_2.csv", text))
    assert r.status == "refused"
    assert "rolled back" in r.message and "disk full (simulated)" in r.message
    assert _counts(db) == before
    assert query(db, "select file_name, status from meta.file_loads order by loaded_at") == [
        ("orders.csv", "loaded"),
        ("orders_2.csv", "refused"),
    ]


KILL_SCRIPT = textwrap.dedent("""\
    import os, signal, sys
    from pathlib import Path
    import ingest.run
    from config.settings import Settings

    original = ingest.run.load_file

    def killed(*args, step, **kwargs):
        def kill(name):
            if name == "load":  # the raw rows are inserted, the transaction is open
                os.kill(os.getpid(), signal.SIGKILL)
            step(name)
        return original(*args, step=kill, **kwargs)

    ingest.run.load_file = killed
    ingest.run.ingest_paths([Path(sys.argv[1])], Path(sys.argv[2]), settings=Settings(pii_salt="x"))
    """)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_load_leaves_the_warehouse_as_it_was(ingest, write, db):
    ingest(write("orders.csv", BASE["orders"]))
    before = _counts(db)
    path = write("orders_2.csv", csv_with("orders", row=1, order_id="O8").replace("O2,", "O9,"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(path), str(db)], env=env, capture_output=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert _counts(db) == before
    assert query(db, "select count(*) from meta.file_loads where file_name = 'orders_2.csv'") == [(0,)]
    [r] = ingest(path)  # and the file loads normally afterwards
    assert (r.status, r.rows_loaded) == ("loaded", 2)
    assert quarantined(db) == []
