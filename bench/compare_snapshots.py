"""Compare every table of two snapshots row for row (issue 20 item 2): the check of
tests/warehouse/test_incremental.py, and the same check at scales a test cannot hold.

    python -m bench.compare_snapshots A.duckdb B.duckdb

Both snapshots must hold the same tables with the same columns in the same order. Each table is
compared by EXCEPT ALL both ways; one that differs is compared again with its doubles rounded to 6
decimals (a sum of doubles depends on the order it adds in, and differs between DuckDB's own
threads). Prints one line per table that is not identical and a summary; exits 1 when a table
differs at 6 decimals, or is missing from one snapshot, or has other columns.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.parse import quote_ident
from warehouse.sql_text import literal

TABLES_SQL = """
select table_name, list((column_name, data_type) order by column_index)
from duckdb_columns()
where database_name = $db and schema_name = 'main' and not internal
group by 1
"""


@dataclass
class Comparison:
    identical: list[str] = field(default_factory=list)
    rounded: list[str] = field(default_factory=list)  # equal with doubles rounded to 6 decimals
    problems: list[str] = field(default_factory=list)  # one line per table that differs

    @property
    def summary(self) -> str:
        tables = len(self.identical) + len(self.rounded) + len(self.problems)
        return (
            f"{tables} tables: {len(self.identical)} identical, {len(self.rounded)} equal at 6 decimals, "
            f"{len(self.problems)} differ"
        )


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, list[tuple[str, str]]]:
    return {
        table: [tuple(c.values()) if isinstance(c, dict) else tuple(c) for c in columns]
        for table, columns in con.execute(TABLES_SQL, {"db": db}).fetchall()
    }


def _differing(con: duckdb.DuckDBPyConnection, table: str, select: str) -> int:
    a, b = f"select {select} from a.{quote_ident(table)}", f"select {select} from b.{quote_ident(table)}"
    return con.execute(
        f"select (select count(*) from ({a} except all {b})) + (select count(*) from ({b} except all {a}))"
    ).fetchone()[0]


def compare(a: str | Path, b: str | Path) -> Comparison:
    """Every table of snapshots `a` and `b`, compared (see the module docstring)."""
    found = Comparison()
    with duckdb.connect() as con:
        con.execute("set preserve_insertion_order = false")
        con.execute(f"attach {literal(str(a))} as a (read_only)")
        con.execute(f"attach {literal(str(b))} as b (read_only)")
        in_a, in_b = _tables(con, "a"), _tables(con, "b")
        for table in sorted(in_a.keys() | in_b.keys()):
            columns = in_b.get(table)
            if columns is None or in_a.get(table) != columns:
                found.problems.append(f"{table}: missing from one snapshot, or other columns")
                continue
            if _differing(con, table, ", ".join(quote_ident(c) for c, _ in columns)) == 0:
                found.identical.append(table)
                continue
            six = ", ".join(
                f"round({quote_ident(c)}, 6)" if t == "DOUBLE" else quote_ident(c) for c, t in columns
            )
            left = _differing(con, table, six)
            if left == 0:
                found.rounded.append(table)
            else:
                found.problems.append(f"{table}: {left:,} rows differ at 6 decimals")
    return found


def main(a: str, b: str) -> int:
    found = compare(a, b)
    for table in found.rounded:
        print(f"{table}: equal at 6 decimals")
    for line in found.problems:
        print(line)
    print(found.summary)
    return 1 if found.problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
