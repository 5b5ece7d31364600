"""Compile a GX ExpectationSuite to DuckDB SQL predicates with row-level attribution.

Each expectation becomes a Check: a SQL boolean over the checked relation (ingest.parse) that is
true exactly for the rows GX would list as unexpected, plus the rule, column, offending value and
message for the quarantine. Row checks are evaluated together in one scan (loader); uniqueness
checks need the whole file and are compiled to a window query.

Only the expectation types the suites use are compiled; any other type raises, so a suite can
never hold an expectation that is silently not executed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ingest.parse import literal, quote_ident, text_column

_URE_SHAPE = re.compile(r"^\s*select\s+\*\s+from\s+\{batch\}\s+where\s+(?P<where>.+?)\s*;?\s*$", re.I | re.S)


class UnsupportedExpectation(ValueError):
    pass


@dataclass(frozen=True)
class Check:
    rule: str
    column: str  # canonical column; for keys the key columns joined with ","
    predicate: str  # SQL over the checked relation: true = the row violates the expectation
    value: str  # SQL: the offending value as text
    message: str
    kind: str = "row"  # "row" or "unique"
    key: tuple[str, ...] = ()

    def violating_rows_sql(self, relation: str) -> str:
        """SELECT of the row numbers GX would flag (for uniqueness: every row of a repeated key)."""
        if self.kind == "unique":
            cols = ", ".join(quote_ident(k) for k in self.key)
            not_null = " and ".join(f"{quote_ident(k)} is not null" for k in self.key)
            return (
                f"select row_number from (select row_number, count(*) over (partition by {cols}) as n "
                f"from ({relation}) where {not_null}) where n > 1 order by row_number"
            )
        return f"select row_number from ({relation}) where {self.predicate} order by row_number"


def sql_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return f"timestamp '{value.replace(tzinfo=None).isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    return literal(value)


def _resolve(value, params: dict):
    if isinstance(value, dict) and "$PARAMETER" in value:
        name = value["$PARAMETER"]
        if name not in params:
            raise UnsupportedExpectation(f"suite parameter {name!r} has no value")
        return params[name]
    return value


def compile_expectation(expectation, params: dict) -> Check:
    kind = type(expectation).__name__
    meta = expectation.meta or {}
    rule = meta.get("rule")
    if not rule:
        raise UnsupportedExpectation(f"{kind} has no meta.rule")
    message = expectation.description or rule
    if kind == "ExpectColumnValuesToNotBeNull":
        col = quote_ident(expectation.column)
        return Check(rule, meta.get("column", expectation.column), f"{col} is null", "null", message)
    if kind == "ExpectColumnValuesToBeInSet":
        col = quote_ident(expectation.column)
        allowed = ", ".join(sql_literal(v) for v in expectation.value_set)
        return Check(
            rule,
            meta.get("column", expectation.column),
            f"({col} is not null and {col} not in ({allowed}))",
            _value(meta, expectation.column),
            message,
        )
    if kind == "ExpectColumnValuesToBeBetween":
        col = quote_ident(expectation.column)
        lo, hi = _resolve(expectation.min_value, params), _resolve(expectation.max_value, params)
        parts = []
        if lo is not None:
            parts.append(f"{col} {'<=' if expectation.strict_min else '<'} {sql_literal(lo)}")
        if hi is not None:
            parts.append(f"{col} {'>=' if expectation.strict_max else '>'} {sql_literal(hi)}")
        if not parts:
            raise UnsupportedExpectation(f"{kind} on {expectation.column} has neither min nor max")
        return Check(
            rule,
            meta.get("column", expectation.column),
            f"({col} is not null and ({' or '.join(parts)}))",
            _value(meta, expectation.column),
            message,
        )
    if kind == "UnexpectedRowsExpectation":
        match = _URE_SHAPE.match(str(expectation.unexpected_rows_query))
        if not match:
            raise UnsupportedExpectation(
                f"unexpected_rows_query must read 'select * from {{batch}} where <condition>': "
                f"{expectation.unexpected_rows_query!r}"
            )
        column = meta.get("column", "")
        return Check(rule, column, f"coalesce(({match['where']}), false)", _value(meta, column), message)
    if kind in ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"):
        key = (
            (expectation.column,)
            if kind == "ExpectColumnValuesToBeUnique"
            else tuple(expectation.column_list)
        )
        if kind == "ExpectCompoundColumnsToBeUnique" and expectation.ignore_row_if != "any_value_is_missing":
            raise UnsupportedExpectation(
                "compound uniqueness is compiled with ignore_row_if='any_value_is_missing'"
            )
        value = "concat_ws('|', " + ", ".join(f"cast({quote_ident(k)} as varchar)" for k in key) + ")"
        return Check(rule, ",".join(key), "", value, message, kind="unique", key=key)
    raise UnsupportedExpectation(f"no SQL compilation for {kind}")


def _value(meta: dict, column: str) -> str:
    """The offending value as read: the text column of the meta column when there is one."""
    name = meta.get("column") or column
    if not name or "," in name:
        return "null"
    return quote_ident(text_column(name.removesuffix("__text")))


def compile_suite(suite, params: dict) -> list[Check]:
    return [compile_expectation(e, params) for e in suite.expectations]
