"""Text -> typed values, as DuckDB SQL: the "checked relation" the quality checks run on.

For every contract column the checked relation has two columns:
- `<name>__text`: the value as read, trimmed, after the profile's value mapping; empty -> null;
- `<name>`: the typed value (null when the text is null *or does not parse*).
So "missing" is `<name>__text is null` and "unparseable" is `<name>__text is not null and <name> is null`.

Accepted text (unless a profile gives its own formats):
- integer: optional sign and digits, optionally `.0` (spreadsheets write 7 as 7.0);
- number: decimal or scientific notation with a dot (no NaN, infinity, thousands separators);
- timestamp: `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS`, optional fraction, optional UTC offset
  (`+02:00`, `+0200`, `+02`, `Z`); values with an offset are converted to UTC, values without one
  are taken as UTC;
- date: `YYYY-MM-DD` (also `YYYY-MM-DD 00:00:00`, as spreadsheets write dates);
- boolean: true/false, t/f, yes/no, y/n, 1/0 (any case);
- enums: compared trimmed and lower case.
A profile may list its own formats per column (strptime, or `unix_seconds` for epoch seconds) and
a scale factor (minutes -> seconds). Besides the contract columns, the checked relation carries
`_file_row` (the file's data row), `not_a_fact__text` and `missing_reference__text` (the reasons a
profile's rules gave, ingest.profiles.transform).
"""

from __future__ import annotations

from ingest.contracts import Column, Contract
from ingest.profiles import Profile
from warehouse.sql_text import literal

_TS_BODIES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f")
TIMESTAMP_FORMATS = tuple(f"{b}{z}" for z in ("", "%z", "Z") for b in _TS_BODIES)
INTEGER_RE = r"[+-]?[0-9]+(\.0*)?"
NUMBER_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
UNIX_SECONDS = "unix_seconds"
# stage column (ingest.readers) -> its name in the checked relation
FLAG_COLUMNS = {
    "_source_row": "_file_row",
    "_not_a_fact": "not_a_fact__text",
    "_missing_reference": "missing_reference__text",
}
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
WHITESPACE = " \t\r\n"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_column(name: str) -> str:
    return f"{name}__text"


def _trimmed(col: str) -> str:
    # trim() on every value costs more than all the parsing: only trim values that need it.
    needs = " or ".join(
        [f"{col} like ' %'", f"{col} like '% '"]
        + [f"contains({col}, {literal(ch)})" for ch in WHITESPACE[1:]]
    )
    return f"(case when {needs} then trim({col}, {literal(WHITESPACE)}) else {col} end)"


def _text_sql(column: Column, profile: Profile | None) -> str:
    raw = _trimmed(quote_ident(column.name))
    mapping = (profile.values.get(column.name) if profile else None) or {}
    if mapping:
        cases = " ".join(f"when {literal(k)} then {literal(v)}" for k, v in mapping.items())
        raw = f"(case lower({raw}) {cases} else {raw} end)"
    return f"nullif({raw}, '')"


def _words(words) -> str:
    return ", ".join(literal(w) for w in words)


def typed_sql(column: Column, text: str, profile: Profile | None = None) -> str:
    """SQL turning the text expression `text` into the column's type; null when it does not parse."""
    sql = _typed_sql(column, text, profile)
    factor = profile.spec.scale.get(column.name) if profile else None
    if factor is not None and column.type in ("integer", "number"):
        cast = "bigint" if column.type == "integer" else "double"
        return f"cast({sql} * {factor!r} as {cast})"
    return sql


def _timestamp_try(text: str, fmt: str) -> str:
    if fmt == UNIX_SECONDS:
        shape = f"regexp_full_match({text}, {literal(INTEGER_RE)})"
        micros = f"try_cast(try_cast({text} as double) * 1000000 as bigint)"
        return f"(case when {shape} then make_timestamp({micros}) end)"
    if "%z" in fmt:
        return f"make_timestamp(epoch_us(try_strptime({text}, {literal(fmt)})))"
    return f"try_strptime({text}, {literal(fmt)})"


def _typed_sql(column: Column, text: str, profile: Profile | None) -> str:
    formats = profile.formats.get(column.name) if profile else None
    if column.type == "string":
        return f"lower({text})" if column.allowed else text
    if column.type == "integer":
        value = f"try_cast({text} as bigint)"
        shape = f"regexp_full_match({text}, {literal(INTEGER_RE)})"
        # A value written as DuckDB writes it back (7, -3) has the accepted shape: only the others
        # (+7, 007, 7.0, 0x1F, 1_000) need the regex, which costs more than the cast and its text.
        return f"(case when cast({value} as varchar) = {text} then {value} when {shape} then {value} end)"
    if column.type == "number":
        value = f"try_cast({text} as double)"
        shape = f"regexp_full_match({text}, {literal(NUMBER_RE)})"
        # As for integers: 7.99 written back as 7.99 has the accepted shape (inf and nan also
        # write back: isfinite still refuses them); 7.90, 0.00 and 1e3 go through the regex.
        return (
            f"(case when isfinite({value}) and cast({value} as varchar) = {text} then {value} "
            f"when {shape} and isfinite({value}) then {value} end)"
        )
    if column.type == "timestamp":
        # One try_strptime per format, tried in order (coalesce stops at the first that parses):
        # DuckDB's list form of try_strptime rolls invalid days over (2023-02-29 -> 03-01).
        # epoch_us of a timestamptz (%z) is UTC; make_timestamp makes it a plain UTC timestamp.
        tries = [_timestamp_try(text, f) for f in (formats or TIMESTAMP_FORMATS)]
        return f"coalesce({', '.join(tries)})"
    if column.type == "date":
        if formats:
            tries = [f"cast(try_strptime({text}, {literal(f)}) as date)" for f in formats]
            return f"coalesce({', '.join(tries)})"
        midnight = f"(case when {text} like '% 00:00:00' then try_strptime({text}, '%Y-%m-%d %H:%M:%S') end)"
        return f"cast(coalesce(try_strptime({text}, '%Y-%m-%d'), {midnight}) as date)"
    if column.type == "boolean":
        return (
            f"(case when lower({text}) in ({_words(TRUE_WORDS)}) then true "
            f"when lower({text}) in ({_words(FALSE_WORDS)}) then false end)"
        )
    raise ValueError(f"unknown column type {column.type!r} of {column.name}")


def checked_relation(contract: Contract, profile: Profile | None, source: str) -> str:
    """SELECT over `source` (a relation with row_number and the contract's columns as text) giving
    row_number, every `<name>__text` and every typed `<name>`."""
    texts = ",\n        ".join(
        f"{_text_sql(c, profile)} as {quote_ident(text_column(c.name))}" for c in contract.columns
    )
    typed = ",\n    ".join(
        f"{typed_sql(c, quote_ident(text_column(c.name)), profile)} as {quote_ident(c.name)}"
        for c in contract.columns
    )
    flags = ", ".join(f"{stage} as {name}" for stage, name in FLAG_COLUMNS.items())
    inner = f"select row_number, {flags},\n        {texts}\n    from {source}"
    return f"select *,\n    {typed}\nfrom (\n    {inner}\n)"
