"""Compare every table of two snapshots row for row (issue 20 item 2, at scales a test cannot hold).

    python -m bench.compare_snapshots A.duckdb B.duckdb

Each table of B is compared with A's by EXCEPT ALL both ways; a table that differs is compared again
with its doubles rounded to 6 decimals, as tests/warehouse/test_incremental.py compares them (a sum
of doubles depends on the order it adds in). Prints one line per table that is not identical and a
summary; exits 1 when a table differs at 6 decimals, or is missing from A, or has other columns.
"""

from __future__ import annotations

import sys

import duckdb

from warehouse.sql_text import literal

COLUMNS_SQL = """
select column_name, data_type from duckdb_columns()
where database_name = $db and schema_name = 'main' and table_name = $table order by column_index
"""


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[tuple[str, str]]:
    return con.execute(COLUMNS_SQL, {"db": db, "table": table}).fetchall()


def _differing(con: duckdb.DuckDBPyConnection, table: str, select: str) -> int:
    a, b = f"select {select} from a.{table}", f"select {select} from b.{table}"
    return con.execute(
        f"select (select count(*) from ({a} except all {b})) + (select count(*) from ({b} except all {a}))"
    ).fetchone()[0]


def compare(a: str, b: str) -> int:
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    con.execute(f"attach {literal(a)} as a (read_only)")
    con.execute(f"attach {literal(b)} as b (read_only)")
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'b' and schema_name = 'main' "
            "order by 1"
        ).fetchall()
    ]
    identical = rounded = differ = 0
    for table in tables:
        columns = _columns(con, "b", table)
        if _columns(con, "a", table) != columns:
            differ += 1
            print(f"{table}: missing from A, or other columns")
            continue
        plain = ", ".join(f'"{c}"' for c, _ in columns)
        if _differing(con, table, plain) == 0:
            identical += 1
            continue
        six = ", ".join(f'round("{c}", 6)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in columns)
        left = _differing(con, table, six)
        if left == 0:
            rounded += 1
            print(f"{table}: equal at 6 decimals")
        else:
            differ += 1
            print(f"{table}: {left:,} rows differ at 6 decimals")
    print(f"{len(tables)} tables: {identical} identical, {rounded} equal at 6 decimals, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(compare(sys.argv[1], sys.argv[2]))
