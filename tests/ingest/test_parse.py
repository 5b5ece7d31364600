"""The text -> value parse of integer and number columns (ingest.parse): the shape the module
documents, whether a value takes the fast path (written back as DuckDB writes it) or the regex."""

from __future__ import annotations

import duckdb
import pytest

from ingest.contracts import Column
from ingest.parse import typed_sql

INTEGERS = {
    "7": 7,  # written back as read: the fast path
    "-3": -3,
    "9223372036854775807": 9223372036854775807,
    "+7": 7,  # the others take the regex
    "007": 7,
    "7.0": 7,
    "7.": 7,
    "7.5": None,
    "0x1F": None,
    "1_000": None,
    "1e3": None,
    "9223372036854775808": None,  # too large for a bigint
    "٣": None,  # an Arabic-Indic digit
    "seven": None,
}
NUMBERS = {
    "7.99": 7.99,  # written back as read
    "-0.5": -0.5,
    "1e+20": 1e20,
    "7.90": 7.9,  # the others take the regex
    "0.00": 0.0,
    "7": 7.0,
    ".5": 0.5,
    "1e3": 1000.0,
    "+2.5E-1": 0.25,
    "inf": None,  # written back as read, and refused
    "nan": None,
    "Infinity": None,
    "1e400": None,
    "0x10": None,
    "1_000.5": None,
    "12,50": None,
}


@pytest.mark.parametrize(("kind", "cases"), [("integer", INTEGERS), ("number", NUMBERS)])
def test_integer_and_number_text_parse_to_the_documented_shape(kind, cases):
    con = duckdb.connect()
    con.execute("create table v (t varchar)")
    con.executemany("insert into v values (?)", [[text] for text in cases])
    expr = typed_sql(Column("x", kind), "t")
    got = dict(con.execute(f"select t, {expr} from v").fetchall())
    assert got == cases
