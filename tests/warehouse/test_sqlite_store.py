"""The SQLite stores beside the warehouse open in WAL mode even while another process holds the new
store (two writers creating it at once): SQLite refuses the journal mode switch at once then."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from warehouse.sqlite_store import connect_for_writing


def test_wal_mode_is_set_once_the_other_holder_lets_go(tmp_path):
    path = tmp_path / "store.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("begin exclusive")
    holder.execute("create table t(x)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # what a plain switch meets
        plain = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            plain.execute("pragma journal_mode=wal")
        finally:
            plain.close()
    threading.Timer(0.5, lambda: holder.execute("commit")).start()
    started = time.monotonic()
    con = connect_for_writing(path, timeout_s=10)
    assert time.monotonic() - started >= 0.4
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    con.close()
    holder.close()


def test_a_lock_held_past_the_timeout_is_an_error(tmp_path):
    path = tmp_path / "store.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("begin exclusive")
    holder.execute("create table t(x)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        connect_for_writing(path, timeout_s=0.3)
    holder.execute("commit")
    holder.close()
