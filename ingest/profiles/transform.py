"""Apply a profile's declarative rules (ingest.profiles.spec) to the staged text, in Polars.

The reader hands over a LazyFrame of text columns: `row_number` (the file's data row), every
contract column (null where the export has none) and the profile's helper columns. The result has
the stage layout the loader reads:

    row_number          unique per staged row (the file's data row, unless answers split rows)
    _source_row         the file's data row (lineage and quarantine row numbers)
    <contract columns>  text
    _not_a_fact         why the row is not a fact (rule not_a_fact), else null
    _missing_reference  which looked-up key is missing (rule missing_reference), else null
    _ids_normalised     how many identifiers were written as integral floats (12346.0 -> 12346)

Helper columns and every unmapped export column stay behind: personal data a profile does not
hash never reaches the stage file, and so never DuckDB.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import polars as pl

from ingest import structure
from ingest.contracts import IDENTIFIERS
from ingest.masking import FREE_TEXT, mask_expr
from ingest.profiles.answers import melt_answers
from ingest.profiles.spec import Condition, Derive, Spec
from ingest.readers import MISSING_REFERENCE, NOT_A_FACT, SOURCE_ROW

FLAGS = (NOT_A_FACT, MISSING_REFERENCE)
# Stage column: how many of the row's identifiers were written as an integral float (12346.0).
IDS_NORMALISED = "_ids_normalised"
INTEGRAL_FLOAT = r"^[ \t]*([0-9]+)\.0+[ \t]*$"
WHITESPACE = " \t\r\n"

# (source, key column, raw columns) -> DataFrame of text: "__key" plus one column per raw column
LookupReader = Callable[[str, str, list[str]], pl.DataFrame]


def pii_hash(value: str | None, salt: str) -> str | None:
    """The salted hash of a personal value: trimmed, lower case, sha256(salt || value) in hex.

    The same as the loader's SQL for customers.email (sha256($salt || lower(trimmed text))), so an
    email hashed here joins customers.email_hash."""
    if value is None:
        return None
    text = value.strip(WHITESPACE).lower()
    if not text:
        return None
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()


def _text(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars(WHITESPACE)


def _blank_to_null(column: str) -> pl.Expr:
    text = _text(column)
    return pl.when(text == "").then(None).otherwise(pl.col(column)).alias(column)


def condition(cond: Condition) -> pl.Expr:
    """True where the condition holds; false for a missing value (unless the rule is about blanks)."""
    text = _text(cond.column)
    lower = text.str.to_lowercase()
    if cond.values:
        expr = lower.is_in(list(cond.values))
    elif cond.prefix is not None:
        expr = lower.str.starts_with(cond.prefix.lower())
    elif cond.contains is not None:
        expr = lower.str.contains(cond.contains.lower(), literal=True)
    elif cond.pattern is not None:
        expr = text.str.contains(cond.pattern)
    else:
        expr = text.is_not_null() & (text != "")
    return expr.fill_null(False)


def _content_part(column: str) -> pl.Expr:
    """A column's text for a content key: a number in one spelling (2.55, 2.550 and a Parquet
    float 2.55 alike), anything else trimmed as read; null as an empty part."""
    text = _text(column)
    number = text.cast(pl.Float64, strict=False).cast(pl.String)
    return pl.coalesce(number, text, pl.lit(""))


def _line_key(values: pl.Series) -> pl.Series:
    # sha256, not Polars' hash: the key must not change with a library upgrade (a reloaded line
    # would no longer be a duplicate). 15 hex digits: a positive bigint, 1 or more.
    return pl.Series(
        values.name,
        [int(hashlib.sha256(v.encode("utf-8")).hexdigest()[:15], 16) + 1 for v in values.to_list()],
        dtype=pl.Int64,
    )


def content_line_no(columns: list[str]) -> pl.Expr:
    """A line number from the line's content: `columns` (the order first, then what tells its lines
    apart: sku, price, quantity) and the occurrence of that content in the order, so identical
    lines stay apart. The same invoice exported in another row order keys the same lines the same,
    and an overlapping export's lines are duplicates of the lines they repeat."""
    parts = [_content_part(c) for c in columns]
    occurrence = (pl.int_range(pl.len()).over(parts) + 1).cast(pl.String)
    joined = pl.concat_str([*parts, occurrence], separator="\x1f")
    return joined.map_batches(_line_key, return_dtype=pl.Int64)


def _derive(d: Derive) -> pl.Expr:
    if d.kind == "row_in":
        expr = (pl.int_range(pl.len()).over(d.args[0]) + 1).cast(pl.String)
    elif d.kind == "content_in":
        expr = content_line_no(list(d.args))
    elif d.kind == "copy":
        expr = pl.col(d.args[0])
    elif d.kind == "coalesce":
        expr = pl.coalesce([pl.col(c) for c in d.args])
    elif d.kind == "end_of_day":
        src = _text(d.args[0])
        is_day = src.str.contains(r"^\d{4}-\d{2}-\d{2}( 00:00(:00)?)?$").fill_null(False)
        expr = pl.when(is_day).then(src.str.slice(0, 10) + " 23:59:59").otherwise(pl.col(d.args[0]))
    elif d.kind == "json":
        expr = pl.col(d.args[0]).str.json_path_match(f"$.{d.args[1]}")
    else:  # pragma: no cover - spec.py only accepts the kinds above
        raise ValueError(d.kind)
    if d.when is not None:
        expr = pl.when(condition(d.when)).then(expr).otherwise(pl.col(d.target))
    return expr.cast(pl.String).alias(d.target)


def _lookup(frame: pl.LazyFrame, spec: Spec, read: LookupReader) -> pl.LazyFrame:
    lk = spec.lookup
    raw_columns = list(dict.fromkeys(lk.fill.values()))
    table = read(lk.source, lk.key, raw_columns)
    renamed = {c: f"__lk_{c}" for c in raw_columns}
    right = table.rename(renamed).with_columns(pl.lit(True).alias("__found")).lazy()
    joined = frame.join(right, left_on=lk.key, right_on="__key", how="left", maintain_order="left")
    key = _text(lk.key)
    first = f" (load {lk.load_first} first)" if lk.load_first else ""
    missing = (
        pl.when(key.is_not_null() & (key != "") & pl.col("__found").is_null())
        .then(pl.format(f"{lk.key} {{}} is not in {lk.source}{first}", key))
        .otherwise(pl.col(MISSING_REFERENCE))
    )
    fills = [pl.coalesce(pl.col(t), pl.col(renamed[c])).alias(t) for t, c in lk.fill.items()]
    return joined.with_columns(*fills, missing.alias(MISSING_REFERENCE)).drop([*renamed.values(), "__found"])


def canonical_ids(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Identifier columns in one canonical text: an integral float text (`12346.0`, as pandas
    writes a nullable integer id) becomes `12346`; anything else (`12.5`, `A-7`) stays as it is.
    Adds IDS_NORMALISED, the number of identifiers of the row so rewritten."""
    ids = [c for c in columns if c in IDENTIFIERS]
    if not ids:
        return frame.with_columns(pl.lit(0, dtype=pl.UInt32).alias(IDS_NORMALISED))
    floats = {c: pl.col(c).str.contains(INTEGRAL_FLOAT).fill_null(False) for c in ids}
    return frame.with_columns(
        *[
            pl.when(floats[c])
            .then(pl.col(c).str.replace(INTEGRAL_FLOAT, "${1}"))
            .otherwise(pl.col(c))
            .alias(c)
            for c in ids
        ],
        pl.sum_horizontal([floats[c].cast(pl.UInt32) for c in ids]).alias(IDS_NORMALISED),
    )


def _hash(column: str, salt: str) -> pl.Expr:
    def hash_series(s: pl.Series) -> pl.Series:
        return pl.Series(s.name, [pii_hash(v, salt) for v in s.to_list()], dtype=pl.String)

    return pl.col(column).map_batches(hash_series, return_dtype=pl.String).alias(column)


def apply_profile(
    frame: pl.LazyFrame,
    spec: Spec,
    contract_columns: list[str],
    *,
    salt: str,
    lookup: LookupReader | None = None,
    answers_context: str = "",
) -> pl.LazyFrame:
    """The stage layout (module docstring) from the reader's frame, with the profile's rules applied."""
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(NOT_A_FACT),
        pl.lit(None, dtype=pl.String).alias(MISSING_REFERENCE),
    )
    touched = sorted(spec.columns_used() - set(spec.scale))
    if touched:
        frame = frame.with_columns([_blank_to_null(c) for c in touched])
    frame = canonical_ids(frame, contract_columns)
    if spec.fill_down:
        group = spec.fill_down.group
        frame = frame.with_columns([pl.col(c).forward_fill().over(group) for c in spec.fill_down.columns])
    for d in spec.derive:
        frame = frame.with_columns(_derive(d))
    if spec.constants:
        frame = frame.with_columns([pl.col(c).fill_null(pl.lit(v)) for c, v in spec.constants.items()])
    if spec.lookup:
        if lookup is None:
            raise ValueError("profile has a lookup but no lookup reader was given")
        frame = _lookup(frame, spec, lookup)
    if spec.not_a_fact:
        reasons = [
            pl.when(condition(r.when)).then(
                pl.format(f"{r.reason} ({r.when.column.lstrip('_')}={{}})", _text(r.when.column))
            )
            for r in spec.not_a_fact
        ]
        frame = frame.with_columns(pl.coalesce([*reasons, pl.col(NOT_A_FACT)]).alias(NOT_A_FACT))
    if spec.answers:
        frame = melt_answers(frame, spec.answers, answers_context)
    else:
        frame = frame.with_columns(pl.col("row_number").alias(SOURCE_ROW))
    if spec.hash:
        frame = frame.with_columns([_hash(c, salt) for c in spec.hash])
    # e-mails and phone numbers typed into free text (comments), whatever the profile: ingest.masking
    masked = [c for c in FREE_TEXT if c in contract_columns]
    if masked:
        frame = frame.with_columns([mask_expr(c) for c in masked])
    # the reader's marks of rows that are not data (repeated headers) travel with the row
    return frame.select("row_number", SOURCE_ROW, *contract_columns, *FLAGS, *structure.MARKS, IDS_NORMALISED)
