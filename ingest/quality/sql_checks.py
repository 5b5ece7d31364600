"""Compile a GX ExpectationSuite to DuckDB SQL predicates with row-level attribution.

Each expectation becomes a Check: a SQL boolean over the checked relation (ingest.parse) that is
true exactly for the rows GX would list as unexpected, plus the rule, column, offending value and
message for the quarantine. Row checks are evaluated together in one scan (loader); uniqueness
checks need the whole file and are compiled to a window query.

Only the expectation types the suites use are compiled; any other type raises, so a suite can
never hold an expectation that is silently not executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.parse import quote_ident, text_column
from warehouse.sql_text import typed_literal

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


def _resolve(value, params: dict):
    if isinstance(value, dict) and "$PARAMETER" in value:
        name = value["$PARAMETER"]
        if name not in params:
            raise UnsupportedExpectation(f"suite parameter {name!r} has no value")
        return params[name]
    return value


def expectation_config(expectation) -> dict:
    """The JSON form of an expectation ({"type", "kwargs", "meta", "description"}), from a GX
    Expectation object or as stored in a suite's JSON."""
    if isinstance(expectation, dict):
        return expectation
    return expectation.configuration.to_json_dict()


def compile_expectation(expectation, params: dict) -> Check:
    """Compile one expectation (GX object or its JSON dict) with the suite parameters `params`."""
    config = expectation_config(expectation)
    kind, kw = config["type"], config.get("kwargs", {})
    meta = config.get("meta") or {}
    rule = meta.get("rule")
    if not rule:
        raise UnsupportedExpectation(f"{kind} has no meta.rule")
    message = config.get("description") or rule
    if kind == "expect_column_values_to_not_be_null":
        predicate = f"{quote_ident(kw['column'])} is null"
        return Check(rule, meta.get("column", kw["column"]), predicate, "null", message)
    if kind == "expect_column_values_to_be_in_set":
        col = quote_ident(kw["column"])
        allowed = ", ".join(typed_literal(v) for v in kw["value_set"])
        predicate = f"({col} is not null and {col} not in ({allowed}))"
        return Check(rule, meta.get("column", kw["column"]), predicate, _value(meta, kw["column"]), message)
    if kind == "expect_column_values_to_be_between":
        col = quote_ident(kw["column"])
        lo, hi = _resolve(kw.get("min_value"), params), _resolve(kw.get("max_value"), params)
        parts = []
        if lo is not None:
            parts.append(f"{col} {'<=' if kw.get('strict_min') else '<'} {typed_literal(lo)}")
        if hi is not None:
            parts.append(f"{col} {'>=' if kw.get('strict_max') else '>'} {typed_literal(hi)}")
        if not parts:
            raise UnsupportedExpectation(f"{kind} on {kw['column']} has neither min nor max")
        predicate = f"({col} is not null and ({' or '.join(parts)}))"
        return Check(rule, meta.get("column", kw["column"]), predicate, _value(meta, kw["column"]), message)
    if kind == "unexpected_rows_expectation":
        query = str(kw["unexpected_rows_query"])
        match = _URE_SHAPE.match(query)
        if not match:
            raise UnsupportedExpectation(
                f"unexpected_rows_query must read 'select * from {{batch}} where <condition>': {query!r}"
            )
        column = meta.get("column", "")
        return Check(rule, column, f"coalesce(({match['where']}), false)", _value(meta, column), message)
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        key = (kw["column"],) if kind == "expect_column_values_to_be_unique" else tuple(kw["column_list"])
        compound = kind == "expect_compound_columns_to_be_unique"
        if compound and kw.get("ignore_row_if") != "any_value_is_missing":
            raise UnsupportedExpectation(
                "compound uniqueness compiles with ignore_row_if='any_value_is_missing'"
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
    """Compile a suite: a GX ExpectationSuite or its JSON dict (as in suites.json)."""
    expectations = suite["expectations"] if isinstance(suite, dict) else suite.expectations
    return [compile_expectation(e, params) for e in expectations]
