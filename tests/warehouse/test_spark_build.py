"""`cx build --engine spark` (issue 19): the same model files on Apache Spark, served from DuckDB.

The Spark tests share one local[2] session bound to 127.0.0.1 (the `spark` fixture) and skip with
the reason when pyspark or Java is missing (`pip install '.[spark]'`; `make test` installs both).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.dashboard.seeded import realistic_warehouse
from warehouse import snapshots
from warehouse.build import BuildError
from warehouse.project import build_order, load_models
from warehouse.spark_build import build as spark_build
from warehouse.spark_build import spark_session, transpile

MODELS = load_models()
HAVE_PYSPARK = importlib.util.find_spec("pyspark") is not None
HAVE_JAVA = bool(os.environ.get("JAVA_HOME") or shutil.which("java"))
# CI (.ci/run) sets CX_REQUIRE_SPARK=1: there a missing pyspark or Java fails the Spark tests
# (with spark_session's one-line reason) instead of skipping them.
needs_spark = pytest.mark.skipif(
    not (HAVE_PYSPARK and HAVE_JAVA) and not os.environ.get("CX_REQUIRE_SPARK"),
    reason="the Spark engine needs pyspark (pip install '.[spark]') and Java 17 (make java-deps)",
)


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for the test session, bound to 127.0.0.1 (spark_session)."""
    session = spark_session("local[2]", app_name="cx tests")
    assert session.conf.get("spark.driver.host") == "127.0.0.1"
    yield session
    session.stop()


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory, spark) -> tuple[Path, Path, Path]:
    """The demo at scale 0.02 built by DuckDB, then by Spark: (db, DuckDB snapshot, Spark snapshot)."""
    # voc=True: fct_comments with scored comments
    db = realistic_warehouse(tmp_path_factory.mktemp("spark_demo"), scale=0.02, voc=True)
    by_duckdb = snapshots.current_snapshot(db)
    spark_build(db, spark=spark)
    return db, by_duckdb, snapshots.current_snapshot(db)


@pytest.mark.spark
@pytest.mark.slow
@needs_spark
@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_transpiled_model_parses_in_spark(spark, name):
    # A model Spark's own parser rejects (DuckDB-only syntax sqlglot passes through) fails here.
    spark._jsparkSession.sessionState().sqlParser().parsePlan(transpile(MODELS[name]))


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    """The models' tables (a DuckDB build keeps its incremental state in a schema of its own)."""
    return {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = $c and schema_name = 'main'",
            {"c": catalog},
        ).fetchall()
    }


@pytest.mark.spark
@pytest.mark.slow
@needs_spark
def test_both_engines_build_equal_tables(both_engines):
    _, by_duckdb, by_spark = both_engines
    assert by_spark != by_duckdb
    con = duckdb.connect()
    con.execute(f"attach '{by_duckdb}' as d (read_only)")
    con.execute(f"attach '{by_spark}' as s (read_only)")
    assert _tables(con, "d") == _tables(con, "s") == set(MODELS)
    for table in sorted(MODELS):
        counts = con.execute(f"select (select count(*) from d.{table}), (select count(*) from s.{table})")
        n_duckdb, n_spark = counts.fetchone()
        assert n_duckdb == n_spark, table
        columns = {
            db: con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = $db and table_name = $t order by column_index",
                {"db": db, "t": table},
            ).fetchall()
            for db in ("d", "s")
        }
        assert [c for c, _ in columns["d"]] == [c for c, _ in columns["s"]], table
        for (column, t_duckdb), (_, t_spark) in zip(columns["d"], columns["s"], strict=True):
            # DuckDB sums integers to HUGEINT, Spark to BIGINT: only integer widths may differ.
            integers = {"HUGEINT", "BIGINT", "INTEGER"}
            assert t_duckdb == t_spark or {t_duckdb, t_spark} <= integers, f"{table}.{column}"
        # A sum of doubles depends on the order it adds in (0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1 in the
        # last bit), which differs between engines and between DuckDB's own threads: compare doubles
        # to 6 decimals (money and seconds), everything else exactly.
        shown = ", ".join(f"round({c}, 6) as {c}" if t == "DOUBLE" else c for c, t in columns["d"])
        for a, b in (("d", "s"), ("s", "d")):
            rows = f"select {shown} from {a}.{table} except all select {shown} from {b}.{table}"
            extra = con.execute(f"select count(*) from ({rows})")
            assert extra.fetchone()[0] == 0, f"{table}: rows in {a} not in {b}"


def test_metrics_are_the_same_whichever_engine_built(both_engines, tmp_path):
    db, by_duckdb, by_spark = both_engines
    runner = CliRunner()
    outputs = []
    for snapshot in (by_duckdb, by_spark):
        (snapshots.serving_dir(db) / "CURRENT").write_text(snapshot.name)
        result = runner.invoke(app, ["metrics", "--db", str(db), "--json"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]


@pytest.mark.spark
@pytest.mark.slow
@needs_spark
def test_a_failed_spark_build_leaves_current_and_removes_its_run_folder(both_engines, spark):
    db, _, _ = both_engines
    pointer = snapshots.serving_dir(db) / "CURRENT"
    before_pointer = pointer.read_text()
    before_files = sorted(p.name for p in snapshots.serving_dir(db).iterdir())
    freshness = MODELS["mart_freshness"]
    broken = dict(MODELS)
    broken_sql = freshness.sql.replace("select * from final", "select no_such_column from final")
    broken["mart_freshness"] = replace(freshness, sql=broken_sql)
    expected = r"model models/marts/mart_freshness.sql on Spark: \[UNRESOLVED_COLUMN"
    with pytest.raises(BuildError, match=expected) as raised:
        spark_build(db, spark=spark, models=broken)
    assert "\n" not in str(raised.value)
    assert pointer.read_text() == before_pointer
    assert sorted(p.name for p in snapshots.serving_dir(db).iterdir()) == before_files
    assert not list(snapshots.serving_dir(db).glob("building-*"))


@pytest.mark.spark
@pytest.mark.slow
@needs_spark
def test_a_lake_without_a_source_table_is_one_line(both_engines, spark, tmp_path):
    db, _, _ = both_engines
    pointer = snapshots.serving_dir(db) / "CURRENT"
    before = pointer.read_text()
    (tmp_path / "raw").mkdir()
    with pytest.raises(BuildError, match=r"source raw\.\w+ \(.*\) on Spark: ") as raised:
        spark_build(db, spark=spark, lake=tmp_path)
    assert "\n" not in str(raised.value)
    assert pointer.read_text() == before
    assert not list(snapshots.serving_dir(db).glob("building-*"))


def test_transpile_turns_regexp_full_match_into_an_anchored_rlike():
    model = replace(MODELS["stg_stores__stores"], sql="select regexp_full_match(a, 'x+') as ok from t")
    sql = transpile(model)
    assert "regexp_full_match" not in sql.lower() and "RLIKE" in sql.upper() and "^(?:" in sql


def test_transpile_covers_every_model_in_build_order():
    assert [m.name for m in build_order(MODELS)]  # every model renders and transpiles
    for model in MODELS.values():
        assert transpile(model)


def test_missing_pyspark_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.logger", None)
    with pytest.raises(BuildError, match=r"needs pyspark: pip install 'retail-cx-dashboard\[spark\]'"):
        spark_session()


@pytest.mark.skipif(not HAVE_PYSPARK, reason="pyspark is not installed")
def test_missing_java_is_one_clear_line(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BuildError, match="needs Java 17"):
        spark_session()


def test_cli_refuses_an_unknown_engine_and_spark_options_without_spark(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["build", "--db", str(tmp_path / "w.duckdb"), "--engine", "flink"])
    assert result.exit_code == 2 and "--engine is duckdb or spark" in result.output
    result = runner.invoke(app, ["build", "--db", str(tmp_path / "w.duckdb"), "--master", "local[1]"])
    assert result.exit_code == 2 and "go with --engine spark" in result.output


def test_cli_spark_build_without_an_ingest_database_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["build", "--db", str(tmp_path / "w.duckdb"), "--engine", "spark"])
    assert result.exit_code == 1
    assert result.output.startswith("build failed: ") and "no ingest database yet" in result.output
    assert "Traceback" not in result.output
