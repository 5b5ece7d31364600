"""Issue 20, item 4: would DuckDB's `read_csv` stage a plain-mapping CSV cheaper than the Polars reader?

    python -m bench.stage_routes exports/orders.csv [--runs 3]

Stages one canonical orders export (a plain column mapping) by three routes and prints wall and
CPU seconds of each (CPU of this process: on a shared machine wall time mostly measures the
neighbours), then checks that the DuckDB stage holds exactly the Polars stage's rows:
- polars: `ingest.staging.stage_profile`, what `cx ingest` does (CSV -> Parquet stage);
- duckdb-parquet: `COPY (<stage query>) TO '...parquet'`, the stage query being `read_csv` (all
  text, explicit columns, strict) `WITH ORDINALITY` for the row numbers, blank rows left out,
  the repeated header marked and whole-number-float identifiers rewritten as the Polars reader does;
- duckdb-native: the same query into a table of a scratch DuckDB file.
and the typed insert of `cx ingest` (every row check) from the Parquet stage and from the native
table, the step that reads the stage.

Measured 2026-11-30 at 1M lines (the demo's orders.csv, 2 cores shared with other work), wall /
CPU seconds: polars 0.9 / 1.7, duckdb-parquet 2.5 / 2.6, duckdb-native 2.8 / 2.8 (both on one
core); insert from the Parquet stage 1.4 / 2.7, from the native table 2.1 / 4.2. Reading the CSV
itself at each of the loader's scans (no stage: count, keys, insert, rows left behind) took 11.9
CPU seconds for the whole ingest against 8.8 with the Polars stage. So `cx ingest` keeps the
Polars stage. Two findings for a later try: `row_number() over ()` over `read_csv` ran the whole
statement on one thread (the typed insert straight from the CSV took 12 s instead of 4-7 s);
`read_csv(...) WITH ORDINALITY` numbers the rows in file order without a window (it matched the
Polars row numbers on every row, with and without preserve_insertion_order), though the COPY
above still ran on one core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from ingest import structure
from ingest.contracts import CONTRACTS, IDENTIFIERS
from ingest.loader import _insert_raw_sql, stage_relation
from ingest.parse import checked_relation, quote_ident
from ingest.profiles import load_profiles
from ingest.profiles.transform import IDS_NORMALISED, INTEGRAL_FLOAT
from ingest.quality.sql_checks import compile_suite
from ingest.quality.suites import suite_config, suite_parameters
from ingest.readers import MISSING_REFERENCE, NOT_A_FACT, ROW_NUMBER, SOURCE_ROW, literal_pattern, open_export
from ingest.staging import stage_profile
from ingest.store import ensure_schema
from warehouse.sql_text import literal

REPEATED = "the header row again, in the middle of the data: not a data row"


def stage_sql(export, profile) -> str:
    """The Polars reader's stage of a plain mapping, as one DuckDB query of the CSV."""
    names = [f"_c{i}" for i in range(len(export.header))]
    by_target = {t: o for o, t in profile.mapping(export.header).items()}
    position = {h: i for i, h in enumerate(export.header)}
    source = {c: f"_c{position[by_target[c]]}" if c in by_target else None for c in profile.contract.names}
    ids = [c for c, col in source.items() if c in IDENTIFIERS and col is not None]

    def integral(col: str) -> str:
        return f"coalesce(contains({col}, '.') and regexp_matches({col}, {literal(INTEGRAL_FLOAT)}), false)"

    selected = []
    for c, col in source.items():
        if col is None:
            selected.append(f"cast(null as varchar) as {quote_ident(c)}")
        elif c in ids:
            fixed = f"regexp_replace({col}, {literal(INTEGRAL_FLOAT)}, '\\1')"
            selected.append(f"(case when {integral(col)} then {fixed} else {col} end) as {quote_ident(c)}")
        else:
            selected.append(f"{col} as {quote_ident(c)}")
    repeated = " and ".join(
        f"{n} is not distinct from {literal(h) if h else 'null'}"
        for h, n in zip(export.header, names, strict=True)
    )
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    read = (
        f"read_csv({literal(literal_pattern(export.text_path or export.readable))}, columns = {columns}, "
        f"header = true, auto_detect = false, delim = {literal(export.delimiter)}, quote = '\"', "
        "escape = '\"', strict_mode = true, null_padding = false, allow_quoted_nulls = false)"
    )
    normalised = " + ".join(f"cast({integral(source[c])} as integer)" for c in ids) or "0"
    return f"""
        select ordinality as {ROW_NUMBER}, ordinality as {SOURCE_ROW}, {", ".join(selected)},
            cast(null as varchar) as {NOT_A_FACT}, cast(null as varchar) as {MISSING_REFERENCE},
            case when {repeated} then 'repeated_header' end as {structure.PROBLEM},
            case when {repeated} then {literal(REPEATED)} end as {structure.PROBLEM_MESSAGE},
            {normalised} as {IDS_NORMALISED}
        from {read} with ordinality
        where {" or ".join(f"{n} is not null" for n in names)}
    """


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, run) -> None:
    wall, cpu = time.perf_counter(), _cpu()
    run()
    print(f"{label:<32} {time.perf_counter() - wall:6.2f} s wall {_cpu() - cpu:6.2f} s CPU", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cx-stage-routes-"))
    try:
        profile = load_profiles()["canonical_orders"]
        contract = CONTRACTS["orders"]
        export = open_export(args.csv, work)
        con = duckdb.connect(str(work / "wh.duckdb"))
        con.execute(f"set memory_limit = '1GB'; set temp_directory = {literal(work / 'tmp')}")
        con.execute("set preserve_insertion_order = false; set enable_progress_bar = false")
        con.execute("set disabled_optimizers = 'filter_pushdown'")  # as ingest.loader
        ensure_schema(con)
        con.execute(f"attach {literal(work / 'scratch.duckdb')} as scratch")
        polars_stage, duck_stage = work / "polars.parquet", work / "duckdb.parquet"
        query = stage_sql(export, profile)
        checks = compile_suite(suite_config("orders"), suite_parameters(dt.datetime.now()))
        broken = " or ".join(c.predicate for c in checks if c.kind == "row")
        columns, exprs = _insert_raw_sql(contract)
        params = {"file_id": "f", "run_id": "r", "loaded_at": dt.datetime.now()}

        def insert(relation: str) -> None:
            checked = checked_relation(contract, profile, structure.data_rows(relation))
            con.execute("begin")
            con.execute(
                f"insert into raw.orders ({columns}) select {exprs} from ({checked}) "
                f"where not coalesce({broken}, false)",
                params,
            )
            con.execute("rollback")

        for _ in range(args.runs):
            timed("stage: polars", lambda: stage_profile(export, profile, polars_stage, salt="x"))
            timed(
                "stage: duckdb-parquet",
                lambda: con.execute(
                    f"copy ({query}) to {literal(duck_stage)} (format parquet, compression lz4, "
                    "row_group_size 262144)"
                ),
            )
            timed(
                "stage: duckdb-native", lambda: con.execute(f"create or replace table scratch.st as {query}")
            )
            timed("insert from parquet stage", lambda: insert(stage_relation(polars_stage)))
            timed("insert from native stage", lambda: insert("scratch.st"))
        polars = pl.read_parquet(polars_stage).sort(ROW_NUMBER)
        duck = pl.read_parquet(duck_stage).sort(ROW_NUMBER).select(polars.columns)
        duck = duck.with_columns(pl.col(IDS_NORMALISED).cast(polars.schema[IDS_NORMALISED]))
        print("DuckDB stage equals the Polars stage:", polars.equals(duck))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
