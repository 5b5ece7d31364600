"""`cx build`: rebuild the warehouse models into a new published snapshot."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import typer

from cli.options import Db
from config.settings import build_memory_from_env, resolve_db, time_zone_from_env


def build(
    db: Db = None,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="print only the summary line"),
    full: bool = typer.Option(
        False,
        "--full",
        help="rebuild every model from all the data (default: only what changed since the last build)",
    ),
    engine: str = typer.Option(
        "duckdb", "--engine", help="duckdb (default), or spark: run the models on Apache Spark (extra: spark)"
    ),
    master: str | None = typer.Option(
        None, "--master", help="with --engine spark: the master URL, e.g. spark://host:7077; default local[2]"
    ),
    lake: Path | None = typer.Option(
        None, "--lake", help="with --engine spark: read the sources from <lake>/<schema>/<table>/ Parquet"
    ),
) -> None:
    """Build staging -> core -> marts into a new snapshot and publish it for the dashboard."""
    import duckdb

    from ingest.store import upgrade_schema
    from warehouse.build import BuildError
    from warehouse.build import build as run_build

    if engine not in ("duckdb", "spark"):
        typer.echo(f"build failed: --engine is duckdb or spark, not {engine!r}", err=True)
        raise typer.Exit(2)
    if engine == "duckdb" and (master or lake):
        typer.echo("build failed: --master and --lake go with --engine spark", err=True)
        raise typer.Exit(2)
    path = resolve_db(db)
    try:
        time_zone = time_zone_from_env()
        memory_gb = build_memory_from_env()
    except ValueError as exc:
        typer.echo(f"build failed: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        voc_step = None
        # An ingest database written by an older version lacks the columns its contracts gained
        # since (ingest adds them on its next run); add them now so the models can build.
        if lake is None:  # with a lake the ingest database is not read
            upgrade_schema(path)
            if path.exists():
                voc_step = scoring_step(path, quiet)
        if engine == "spark":
            if voc_step is not None:
                voc_step()
            from warehouse.spark_build import build as spark_build

            remote = os.environ.get("SPARK_REMOTE") or None  # Spark Connect, as pyspark itself reads it
            result = spark_build(
                path, master=master, remote=remote, lake=lake, quiet=quiet, time_zone=time_zone
            )
        else:
            # the VoC step runs while the published snapshot is copied (warehouse/build.py)
            result = run_build(
                path, quiet=quiet, time_zone=time_zone, memory_gb=memory_gb, full=full, first=voc_step
            )
    except (BuildError, duckdb.Error, OSError) as exc:  # one line, never a traceback
        what = str(exc) if isinstance(exc, BuildError) else f"{type(exc).__name__}: {exc}"
        typer.echo(f"build failed: {' '.join(what.split())}", err=True)
        raise typer.Exit(1) from None
    typer.echo(built_line(result))


def built_line(result) -> str:
    """What `cx build`, `cx ingest` and `cx demo` print after a build (a warehouse.build.BuildResult)."""
    return f"built {len(result.models)} models ({result.how}) in {result.seconds:.1f} s -> {result.snapshot}"


def scoring_step(db: Path, quiet: bool) -> Callable[[], None]:
    """The VoC step `cx build` and `cx ingest` run first in a build (warehouse.build.build's `first`,
    beside the snapshot's copy): the comments' language, sentiment and theme by the current model
    (fitted the first time, then new comments only), and one line saying what it did."""

    def step() -> None:
        from voc.step import update_before_build

        line = update_before_build(db)
        if not quiet:
            typer.echo(line)

    return step
