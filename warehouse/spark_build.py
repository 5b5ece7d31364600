"""`cx build --engine spark`: run the same model files on Apache Spark, serve the result from DuckDB.

The sources (sources.toml) are exported from the ingest database as Parquet (or read from an
existing lake folder laid out as <lake>/<schema>/<table>/) and registered in Spark as catalog
tables `raw.<t>` / `meta.<t>`, so a model renders with the same names as in DuckDB. Each model is
transpiled from DuckDB's dialect to Spark's by sqlglot at build time, run in build_order, and
written as Parquet to a per-run folder `<db>-serving/building-spark-<time>-<pid>/`. Only when every
model is written are they loaded, in the same order, into a new DuckDB snapshot, checked against
their declared grain and published by snapshots.publish exactly as `cx build` does: the dashboard
and `cx metrics` read the same tables whichever engine built them. The run folder then becomes
`spark-<time>-<pid>/` (the newest is kept, for inspection); a failed run removes its folder and
leaves CURRENT as it was.

pyspark is an optional extra (`pip install '.[spark]'`) imported only here, only when asked for.
The session is `local[2]` bound to 127.0.0.1 unless --master names a cluster (`spark://host:7077`);
with SPARK_REMOTE set (Spark Connect, `sc://host:15002`; the CLI reads it) it connects there. On a
cluster the run folder (and the lake) must be a path every executor can read and write.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from warehouse import snapshots
from warehouse.build import BuildError, BuildResult, _model_path, _one_line, create_model_table
from warehouse.project import Model, build_order, declared_sources, load_models
from warehouse.sql_text import literal

LOCAL_MASTER = "local[2]"
LOG4J2 = Path(__file__).with_name("spark_log4j2.properties")


def transpile(model: Model, time_zone: str = "UTC") -> str:
    """The model's SQL in Spark's dialect: sources as catalog tables raw.<t> / meta.<t>, refs as
    the tables of models built before it. DuckDB's regexp_full_match, which sqlglot passes through,
    becomes an anchored RLIKE."""
    sql = model.render(source_prefix="", time_zone=time_zone, clustered=False)
    tree = sqlglot.parse_one(sql, read="duckdb")

    # sqlglot's own node where its version has one, an anonymous function where it does not
    full_match_types = tuple(t for t in (getattr(exp, "RegexpFullMatch", None),) if t is not None)

    def full_match(node: exp.Expression) -> exp.Expression:
        if isinstance(node, full_match_types):
            value, pattern = node.this, node.expression
        elif isinstance(node, exp.Anonymous) and node.name.lower() == "regexp_full_match":
            value, pattern = node.expressions[:2]
        else:
            return node
        anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$")])
        return exp.RegexpLike(this=value, expression=anchored)

    return tree.transform(full_match).sql(dialect="spark")


def spark_session(
    master: str | None = None,
    remote: str | None = None,
    app_name: str = "cx build",
    driver_memory: str = "1g",
):
    """A Spark session: Spark Connect at `remote` (an `sc://` URL, the CLI passes SPARK_REMOTE) when
    given, else `master` (local[2] by default, bound to 127.0.0.1, `driver_memory` for the driver).
    Raises BuildError in one line when pyspark or Java is missing."""
    try:
        from pyspark.logger import PySparkLogger  # noqa: PLC0415 - the optional extra
        from pyspark.sql import SparkSession  # noqa: PLC0415
    except ImportError:
        raise BuildError(
            "the Spark engine needs pyspark: pip install 'retail-cx-dashboard[spark]' (or `make setup`)"
        ) from None
    # pyspark logs each failed query with its JVM stack trace on stderr; the build reports the
    # error itself, in one line.
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    if remote:
        builder = SparkSession.builder.remote(remote).appName(app_name)
    else:
        if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
            raise BuildError(
                "the Spark engine needs Java 17: apt-get install openjdk-17-jre-headless (or set JAVA_HOME)"
            )
        master = master or LOCAL_MASTER
        builder = SparkSession.builder.master(master).appName(app_name)
        if master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = (
                builder.config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.memory", driver_memory)
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{LOG4J2}")
            )
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.log.level", "ERROR")
            # its databases' folders (raw.db, meta.db) in the temp folder, not the working directory
            .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "cx-spark-warehouse"))
        )
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    try:
        return builder.getOrCreate()
    except Exception as exc:  # the JVM would not start, or the cluster is unreachable
        raise BuildError(f"could not start Spark ({master or remote}): {_first_line(exc)}") from None


def build(
    db: Path,
    master: str | None = None,
    remote: str | None = None,
    lake: Path | None = None,
    quiet: bool = True,
    spark=None,
    models: dict[str, Model] | None = None,
    time_zone: str = "UTC",
) -> BuildResult:
    """Build every model on Spark and publish them as a new DuckDB snapshot of `db`'s warehouse.
    `lake`: read the sources from <lake>/<schema>/<table>/ Parquet instead of exporting them
    from `db`. `spark`: an existing session to use (and leave running)."""
    db = Path(db)
    if lake is None and not db.exists():
        raise BuildError(f"{db}: no ingest database yet; run `cx ingest` (or `cx demo`) first")
    if lake is not None and not Path(lake).is_dir():
        raise BuildError(f"{lake}: no such lake folder (expected <lake>/<schema>/<table>/ Parquet)")
    started = time.perf_counter()
    ordered = build_order(models if models is not None else load_models())
    folder = snapshots.serving_dir(db)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        snapshots.remove_abandoned(db)
        _remove_abandoned_runs(folder)
    except OSError as exc:
        raise BuildError(f"cannot write the snapshot folder {folder}: {exc.strerror or exc}") from None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    run = folder / f"building-spark-{stamp}-{os.getpid()}"
    own_session = spark is None
    try:
        run.mkdir()
        sources = Path(lake) if lake is not None else _export_sources(db, run / "sources")
        if spark is None:
            spark = spark_session(master, remote)
        written = _run_models(spark, ordered, sources, run / "models", quiet, time_zone)
        result = _load_snapshot(db, ordered, written, quiet)
        finished = folder / run.name.removeprefix("building-")
        run.rename(finished)
        for old in sorted(folder.glob("spark-*")):
            if old != finished:
                shutil.rmtree(old, ignore_errors=True)
    except BaseException as exc:
        shutil.rmtree(run, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BuildError(
                f"could not write the Spark run folder {run} ({_one_line(exc)}); "
                "the published snapshot is unchanged"
            ) from None
        raise
    finally:
        if own_session and spark is not None:
            with contextlib.suppress(Exception):
                spark.stop()
    return BuildResult(result.snapshot, time.perf_counter() - started, result.models)


def _export_sources(db: Path, out: Path) -> Path:
    """Each declared source as <out>/<schema>/<table>/data.parquet."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as exc:
        raise BuildError(
            f"{db} is in use by another process (an ingest running?); run `cx build` again when "
            f"it has finished. {str(exc).splitlines()[0]}"
        ) from None
    try:
        for schema, table in declared_sources():
            target = out / schema / table
            target.mkdir(parents=True)
            to = literal(target / "data.parquet")
            con.execute(f"copy (select * from {schema}.{table}) to {to} (format parquet)")
    except duckdb.Error as exc:
        raise BuildError(f"could not export the sources of {db} as Parquet: {_one_line(exc)}") from None
    finally:
        con.close()
    return out


def _run_models(
    spark, ordered: list[Model], sources: Path, out: Path, quiet: bool, time_zone: str = "UTC"
) -> dict[str, Path]:
    """Register the sources, run each model in order and write it as Parquet; model -> folder."""
    for schema, table in declared_sources():
        location = (sources / schema / table).absolute()
        try:
            spark.sql(f"create database if not exists {schema}")
            spark.sql(f"drop table if exists {schema}.{table}")
            spark.sql(f"create table {schema}.{table} using parquet location '{location}'")
        except Exception as exc:  # a lake without this table, or a session that died
            raise BuildError(f"source {schema}.{table} ({location}) on Spark: {_first_line(exc)}") from None
    written: dict[str, Path] = {}
    try:
        for model in ordered:
            path = (out / model.name).absolute()
            try:
                sql = transpile(model, time_zone)
                spark.sql(sql).write.mode("error").parquet(str(path))
                spark.sql(f"drop table if exists {model.name}")
                spark.sql(f"create table {model.name} using parquet location '{path}'")
            except sqlglot.errors.SqlglotError as exc:
                raise BuildError(
                    f"model {_model_path(model)}: cannot translate to Spark SQL: {_first_line(exc)}"
                ) from None
            except Exception as exc:
                if isinstance(exc, BuildError | KeyboardInterrupt):
                    raise
                raise BuildError(f"model {_model_path(model)} on Spark: {_first_line(exc)}") from None
            written[model.name] = path
            if not quiet:
                print(f"  {model.layer:8} {model.name:40} written by Spark")
    finally:  # the session may be shared (tests): leave no tables pointing at a removed folder
        for name in reversed(list(written)):
            with contextlib.suppress(Exception):
                spark.sql(f"drop table if exists {name}")
    return written


def _load_snapshot(db: Path, ordered: list[Model], written: dict[str, Path], quiet: bool) -> BuildResult:
    """Load the models' Parquet into a new DuckDB snapshot, check each grain, publish."""
    built = snapshots.new_build_path(db)
    counts: dict[str, int] = {}
    con = None
    try:
        con = duckdb.connect(str(built))
        con.execute("set preserve_insertion_order = false")
        con.execute("begin transaction")
        for model in ordered:
            order = f" order by {', '.join(model.cluster_by)}" if model.cluster_by else ""
            files = literal(written[model.name] / "*.parquet")
            select = f"select * from read_parquet({files}){order}"
            counts[model.name] = create_model_table(con, model, select, quiet)
        con.execute("commit")
        con.execute("checkpoint")
        con.close()
        snapshot = snapshots.publish(db, built)
    except BaseException as exc:
        if con is not None:
            with contextlib.suppress(duckdb.Error):
                con.close()
        snapshots.remove(built)
        if isinstance(exc, duckdb.Error | OSError):
            raise BuildError(
                f"could not write the new snapshot in {built.parent} ({_one_line(exc)}); "
                "the published snapshot is unchanged"
            ) from None
        raise
    return BuildResult(snapshot, 0.0, counts)


def _remove_abandoned_runs(folder: Path) -> None:
    """Run folders of Spark builds killed half-way whose process is gone."""
    for path in folder.glob("building-spark-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not snapshots._running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    """Spark's errors carry a JVM stack trace: keep the message's first line, shortened."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= 400 else text[:397] + "..."
