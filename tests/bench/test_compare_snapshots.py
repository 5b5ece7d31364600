"""bench.compare_snapshots: identical tables, sums of doubles equal at 6 decimals, and real differences."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bench.compare_snapshots import compare, main


def _snapshot(path: Path, amount: float, quantity: int) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("create table fct (id integer, quantity integer)")
        con.execute("insert into fct values (1, 2), (2, $q)", {"q": quantity})
        con.execute("create table mart (day date, amount double)")
        con.execute("insert into mart values (date '2026-10-31', $a)", {"a": amount})
    return str(path)


@pytest.mark.parametrize(
    ("amount", "quantity", "status", "printed"),
    [
        (0.3, 3, 0, ["mart: equal at 6 decimals", "2 tables: 1 identical, 1 equal at 6 decimals, 0 differ"]),
        (
            0.1 + 0.2,
            4,
            1,
            ["fct: 2 rows differ at 6 decimals", "2 tables: 1 identical, 0 equal at 6 decimals, 1 differ"],
        ),
    ],
)
def test_a_sum_of_doubles_passes_and_a_changed_row_fails(
    tmp_path: Path, capsys, amount, quantity, status, printed
):
    a = _snapshot(tmp_path / "a.duckdb", 0.1 + 0.2, 3)
    b = _snapshot(tmp_path / "b.duckdb", amount, quantity)
    assert main(a, b) == status
    assert capsys.readouterr().out.splitlines() == printed


@pytest.mark.parametrize("extra_in", ["a", "b"])
def test_a_table_missing_from_either_snapshot_fails(tmp_path: Path, extra_in: str):
    paths = {name: _snapshot(tmp_path / f"{name}.duckdb", 0.3, 3) for name in ("a", "b")}
    with duckdb.connect(paths[extra_in]) as con:
        con.execute("create table extra (id integer)")
    found = compare(paths["a"], paths["b"])
    assert found.problems == ["extra: missing from one snapshot, or other columns"]
    assert found.identical == ["fct", "mart"]
