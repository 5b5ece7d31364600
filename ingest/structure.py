"""Rows that are not data at all, found by the reader and quarantined whole under a rule of their own.

- `repeated_header`: a row whose every value is its column's header name, as when exports were
  concatenated with their headers or a tool repeats the header every page. Checked like data, it
  would be quarantined as a handful of type errors that hide what it is.
- `truncated_row`: the file's last line has fewer fields than the header and no line end: the
  export was cut off in the middle of that row (a file cut inside a quoted field cannot be parsed
  at all and is refused by the reader).

The reader writes the finding into the stage's PROBLEM and PROBLEM_MESSAGE columns (null for data
rows). The loader quarantines those rows with one violation each and runs the key and row checks
on the other rows only (`data_rows`), so rows read = rows loaded + rows quarantined still holds.
These are reader findings, not expectations of a source's contract, so they are not in the GX suites.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

PROBLEM = "_cx_problem"
PROBLEM_MESSAGE = "_cx_problem_message"
MARKS = (PROBLEM, PROBLEM_MESSAGE)
RULES = ("repeated_header", "truncated_row")
TAIL_BYTES = 64 * 1024


def repeated_header(header: list[str], names: list[str]) -> pl.Expr:
    """True for a row whose values (columns `names`, positional) are exactly the header again."""
    return pl.all_horizontal(
        [
            pl.col(n).eq_missing(pl.lit(h if h != "" else None, dtype=pl.String))
            for h, n in zip(header, names, strict=True)
        ]
    )


def problem_columns(header: list[str], names: list[str]) -> list[pl.Expr]:
    """The stage's PROBLEM and PROBLEM_MESSAGE columns for the checks done while streaming."""
    repeated = repeated_header(header, names) if names else pl.lit(False)
    return [
        pl.when(repeated).then(pl.lit("repeated_header")).otherwise(None).cast(pl.String).alias(PROBLEM),
        pl.when(repeated)
        .then(pl.lit("the header row again, in the middle of the data: not a data row"))
        .otherwise(None)
        .cast(pl.String)
        .alias(PROBLEM_MESSAGE),
    ]


def truncated_last_line(text: Path, delimiter: str, eol: str, fields: int) -> int | None:
    """How many fields the file's last line has when it looks cut off: no line end after it, its
    quotes balanced, fewer fields than the header's `fields`. None when it does not."""
    with open(text, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    last = tail.rsplit(eol.encode(), 1)[-1].decode("utf-8", errors="replace")
    if last.count('"') % 2:  # inside a multi-line quoted field, or cut inside quotes: not judged here
        return None
    try:
        row = next(csv.reader(io.StringIO(last), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return None
    if not any(value.strip() for value in row):
        # a blank row (`,,`): the reader leaves it out like any blank row, so there is no staged
        # row to mark (marking the last staged row would quarantine a complete one)
        return None
    return len(row) if len(row) < fields else None


def mark_last_row_truncated(stage: Path, found: int, fields: int, row_number: str) -> None:
    """Rewrite the stage with its last row marked truncated_row (only files that were cut off)."""
    last = pl.scan_parquet(stage, glob=False).select(pl.col(row_number).max()).collect().item()
    message = (
        f"the file ends in the middle of this row ({found} of the header's {fields} fields, no line end): "
        "the export was cut off"
    )
    is_last = pl.col(row_number) == last
    marked = stage.with_name(stage.name + ".marked")
    pl.scan_parquet(stage, glob=False).with_columns(
        pl.when(is_last).then(pl.lit("truncated_row")).otherwise(pl.col(PROBLEM)).alias(PROBLEM),
        pl.when(is_last).then(pl.lit(message)).otherwise(pl.col(PROBLEM_MESSAGE)).alias(PROBLEM_MESSAGE),
    ).sink_parquet(marked, compression="lz4")
    marked.replace(stage)


def data_rows(stage_relation: str) -> str:
    """The stage without the rows that are not data."""
    return f"(select * from {stage_relation} where {PROBLEM} is null)"


def violations_sql(stage_relation: str) -> str:
    """Quarantine violations (row_number, rule, column_name, value, message) of the non-data rows."""
    return (
        f"select row_number, {PROBLEM}, null, null, {PROBLEM_MESSAGE} "
        f"from {stage_relation} where {PROBLEM} is not null"
    )
