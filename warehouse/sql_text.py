"""SQL literals: the one place that writes a Python value into SQL text.

Values that come from data or users are bound as parameters; these are for the text that cannot
be a parameter (a DuckDB setting, a file path in ATTACH or read_parquet, the constants of a
compiled quality check). Identifiers are quoted by ingest.parse.quote_ident.

Ingest imports this module too (the data flows ingest -> warehouse, and the warehouse imports
nothing from ingest).
"""

from __future__ import annotations

import datetime as dt


def literal(value) -> str:
    """`value` as a SQL string literal: str(value) in single quotes, quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def typed_literal(value) -> str:
    """`value` as a SQL literal of its type: booleans, timestamps, dates and numbers as themselves,
    anything else as a string literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return f"timestamp '{value.replace(tzinfo=None).isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    return literal(value)
