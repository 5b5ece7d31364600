"""The compiled SQL flags exactly the rows Great Expectations flags, for every expectation of every suite.

For each source a small export is built with one defect per row (every column, every kind), staged
and turned into the checked relation by the real ingest code. That typed frame is then validated
by GX itself: column map and uniqueness expectations on the pandas engine, UnexpectedRowsExpectation
(SQL only in GX) on a SQLite copy of the same frame. The row numbers GX lists as unexpected must
equal those of Check.violating_rows_sql.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingest.contracts import CONTRACTS, SURVEY_SCALES
from ingest.loader import stage_relation
from ingest.parse import checked_relation
from ingest.profiles import load_profiles
from ingest.quality.sql_checks import compile_expectation
from ingest.quality.suites import (
    SUITES_FILE,
    build_suite,
    fingerprint,
    suite_config,
    suite_json,
    suite_parameters,
    suites_document,
)
from ingest.readers import open_export
from ingest.run import utcnow

from .exports import csv_with, rows_of

gx = pytest.importorskip("great_expectations")

BAD = {
    "integer": ["x", "-5", "1.5", "999"],
    "number": ["abc", "-1", "1e999", "150"],
    "timestamp": [
        "1999-12-31 23:59:59",
        "2999-01-01 00:00:00",
        "2023-02-29 10:00:00",
        "2024-03-01T23:30:00-02:00",
    ],
    "date": ["1999-12-31", "2999-01-01", "2023-02-30", "2024-03-01 00:00:00"],
    "boolean": ["maybe", "YES"],
    "string": ["", "zzz", " Web "],
}


def _defective_export(source: str) -> str:
    """BASE rows plus one row per (column, bad value), keys kept unique; plus a repeated key."""
    header, rows = rows_of(source)
    contract = CONTRACTS[source]
    out = [list(r) for r in rows]
    template = rows[0]
    for column in contract.columns:
        for value in BAD[column.type]:
            row = list(template)
            row[header.index(column.name)] = value
            out.append(row)
    if source == "surveys":
        for survey, (lo, hi) in SURVEY_SCALES.items():
            for score in (lo - 1, lo, hi, hi + 1):
                row = list(template)
                row[header.index("survey")], row[header.index("score")] = survey, str(score)
                out.append(row)
    # unique keys everywhere except two deliberate repeats of row 1's key
    key = contract.key
    for i, row in enumerate(out[2:], start=3):
        for k in key:
            if contract.column(k).type == "string" and row[header.index(k)] not in ("", " Web "):
                row[header.index(k)] = f"{row[header.index(k)]}-{i}"
            elif contract.column(k).type == "date" and row[header.index(k)] == template[header.index(k)]:
                row[header.index(k)] = f"2010-01-{(i % 28) + 1:02d}"
            elif contract.column(k).type == "integer" and row[header.index(k)] == template[header.index(k)]:
                row[header.index(k)] = str(1000 + i)
    out.append(list(template))
    out.append(list(template))
    text = csv_with(source)
    lines = [text.splitlines()[0]] + [",".join(_quote(v) for v in r) for r in out]
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


@pytest.fixture(scope="module")
def gx_context():
    context = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except ImportError:  # pragma: no cover - only quietens GX's progress bars
        pass
    return context


def _checked_frame(source: str, tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, str, pd.DataFrame]:
    path = tmp_path / f"{source}.csv"
    path.write_text(_defective_export(source), encoding="utf-8")
    profile = load_profiles()[f"canonical_{source}"]
    export = open_export(path, tmp_path)
    stage = tmp_path / f"{source}.parquet"
    export.stage(profile.mapping(export.header), CONTRACTS[source].names, stage)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    relation = checked_relation(CONTRACTS[source], profile, stage_relation(stage))
    frame = con.execute(f"select * from ({relation}) order by row_number").df()
    for c in CONTRACTS[source].columns:  # a typed frame: dates as datetime64 like timestamps
        if c.type == "date":
            frame[c.name] = pd.to_datetime(frame[c.name])
    return con, relation, frame


@pytest.mark.parametrize("source", list(CONTRACTS))
def test_gx_and_sql_flag_the_same_rows(source, tmp_path, gx_context):
    con, relation, frame = _checked_frame(source, tmp_path)
    suite = build_suite(source)
    params = suite_parameters(utcnow())

    pandas_batch = (
        gx_context.data_sources.add_pandas(f"pandas_{source}")
        .add_dataframe_asset("checked")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    sqlite_path = tmp_path / "checked.sqlite"
    with sqlite3.connect(sqlite_path) as lite:
        frame.to_sql("checked", lite, index=False)
    sql_batch = (
        gx_context.data_sources.add_sqlite(f"sqlite_{source}", connection_string=f"sqlite:///{sqlite_path}")
        .add_table_asset("checked", table_name="checked")
        .add_batch_definition_whole_table("all")
        .get_batch()
    )

    compared = {}
    stored = suite_config(source)["expectations"]  # what ingest compiles (suites.json)
    assert len(stored) == len(suite.expectations)
    for expectation, config in zip(suite.expectations, stored, strict=True):
        kind = type(expectation).__name__
        ours = {
            r
            for (r,) in con.execute(
                compile_expectation(config, params).violating_rows_sql(relation)
            ).fetchall()
        }
        if kind == "UnexpectedRowsExpectation":
            result = sql_batch.validate(expectation, result_format={"result_format": "COMPLETE"})
            theirs = {int(r["row_number"]) for r in result.result["details"]["unexpected_rows"]}
            assert result.result["observed_value"] == len(theirs)
        else:
            result = pandas_batch.validate(
                expectation,
                expectation_parameters=params,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_number"]},
            )
            theirs = {int(r["row_number"]) for r in result.result.get("unexpected_index_list") or []}
        assert result.exception_info.get("raised_exception") is not True, result.exception_info
        assert ours == theirs, f"{kind} {expectation.meta}: SQL {sorted(ours)} vs GX {sorted(theirs)}"
        assert result.success == (not theirs)
        compared.setdefault(kind, 0)
        compared[kind] += bool(theirs)
    # every expectation type of the suite was compared on data where it actually flags rows
    assert all(compared.values()), compared


def test_suites_are_serialisable_gx_suites():
    for source in CONTRACTS:
        data = json.loads(suite_json(source))
        assert data["name"] == f"{source}_contract"
        rules = {e["meta"]["rule"] for e in data["expectations"]}
        assert "duplicate_key" in rules
        types = {e["type"] for e in data["expectations"]}
        assert types <= {
            "expect_column_values_to_not_be_null",
            "expect_column_values_to_be_in_set",
            "expect_column_values_to_be_between",
            "expect_column_values_to_be_unique",
            "expect_compound_columns_to_be_unique",
            "unexpected_rows_expectation",
        }
    assert "score_out_of_scale" in suite_json("surveys")


def test_suites_json_is_current():
    stored = json.loads(SUITES_FILE.read_text(encoding="utf-8"))
    assert stored["fingerprint"] == fingerprint(), "suites.json is stale: run python -m ingest.quality.suites"
    assert stored["suites"] == suites_document()["suites"]


def test_ingest_does_not_import_great_expectations(tmp_path):
    script = (
        "import sys; from pathlib import Path; from ingest.run import ingest_paths; "
        f"ingest_paths([Path({str(tmp_path / 'x.csv')!r})], Path({str(tmp_path / 'w.duckdb')!r})); "
        "print('great_expectations' in sys.modules)"
    )
    (tmp_path / "x.csv").write_text(csv_with("orders"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
