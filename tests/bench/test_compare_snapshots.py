"""bench.compare_snapshots: identical tables, sums of doubles equal at 6 decimals, and real differences."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.compare_snapshots import compare


def _snapshot(path: Path, amount: float, quantity: int) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("create table fct (id integer, quantity integer)")
        con.execute("insert into fct values (1, 2), (2, $q)", {"q": quantity})
        con.execute("create table mart (day date, amount double)")
        con.execute("insert into mart values (date '2026-10-31', $a)", {"a": amount})
    return str(path)


def test_equal_at_6_decimals_passes(tmp_path: Path, capsys):
    a = _snapshot(tmp_path / "a.duckdb", 0.1 + 0.2, 3)
    b = _snapshot(tmp_path / "b.duckdb", 0.3, 3)
    assert compare(a, b) == 0
    assert capsys.readouterr().out.splitlines() == [
        "mart: equal at 6 decimals",
        "2 tables: 1 identical, 1 equal at 6 decimals, 0 differ",
    ]


def test_a_changed_row_fails(tmp_path: Path, capsys):
    a = _snapshot(tmp_path / "a.duckdb", 0.3, 3)
    b = _snapshot(tmp_path / "b.duckdb", 0.3, 4)
    assert compare(a, b) == 1
    assert capsys.readouterr().out.splitlines() == [
        "fct: 2 rows differ at 6 decimals",
        "2 tables: 1 identical, 0 equal at 6 decimals, 1 differ",
    ]


def test_a_table_missing_from_the_first_fails(tmp_path: Path, capsys):
    a = _snapshot(tmp_path / "a.duckdb", 0.3, 3)
    b = _snapshot(tmp_path / "b.duckdb", 0.3, 3)
    with duckdb.connect(b) as con:
        con.execute("create table extra (id integer)")
    assert compare(a, b) == 1
    assert "extra: missing from A, or other columns" in capsys.readouterr().out
