"""`cx build`: rebuild the warehouse models into a new published snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.settings import resolve_db


def build(
    db: Optional[Path] = typer.Option(None, "--db", help="ingest database; default CX_DB or data/warehouse.duckdb"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="print only the summary line"),
) -> None:
    """Build staging -> core -> marts into a new snapshot and publish it for the dashboard."""
    from warehouse.build import BuildError
    from warehouse.build import build as run_build

    try:
        result = run_build(resolve_db(db), quiet=quiet)
    except BuildError as exc:
        typer.echo(f"build failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"built {len(result.models)} models in {result.seconds:.1f} s -> {result.snapshot}")
