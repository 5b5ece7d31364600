"""`cx demo`: write the seeded demo exports, ingest them and build the warehouse (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.command_build import built_line
from config.settings import Settings, build_memory_from_env, resolve_db, time_zone_from_env


def demo(
    scale: float = typer.Option(
        1.0, help="size of the demo: 1.0 = ~200k order lines, 20k customers, 40k contacts; linear"
    ),
    out: Path = typer.Option(Path("data/demo_exports"), "--out", help="folder for the export files"),
    db: Path | None = typer.Option(
        None, "--db", help="warehouse file; default CX_DB or data/warehouse.duckdb"
    ),
    seed: int = typer.Option(42, help="random seed: the same seed, scale and end give identical files"),
) -> None:
    """Generate realistic retailer exports (with a known share of bad rows), ingest them, build."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from demo.generator import write_exports
    from ingest.read_errors import printable

    console = Console()
    resolved_db = resolve_db(db)
    with console.status("generating demo exports") as status:
        paths = write_exports(out, scale=scale, seed=seed, progress=lambda message: status.update(message))
    manifest = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    console.print(
        f"wrote {len(paths)} export files to {out} (seed {seed}, scale {scale:g}; "
        "seeded bad rows listed in manifest.json)"
    )

    from ingest.run import ingest_paths

    with console.status(f"ingesting into {resolved_db}"):
        results = ingest_paths(list(paths.values()), db=resolved_db, settings=Settings.from_env())
    console.print(_summary(Table, results, manifest))
    refused = [r for r in results if _field(r, "status", "") == "refused"]
    for r in refused:
        name, message = Path(str(_field(r, "file", ""))).name, str(_field(r, "message", ""))
        console.print(f"[red]refused[/red] {escape(printable(name))}: {escape(printable(message))}")
    if refused:
        raise typer.Exit(1)

    from demo.standards import save_demo_targets
    from warehouse.build import BuildError, build

    save_demo_targets(resolved_db)  # the demo retailer's targets, its first targets version

    from voc.step import update_before_build

    with console.status("fitting the comments' sentiment and theme models"):
        console.print(escape(update_before_build(resolved_db)))
    try:
        with console.status("building the warehouse models"):
            result = build(resolved_db, time_zone=time_zone_from_env(), memory_gb=build_memory_from_env())
    except (BuildError, ValueError) as exc:  # ValueError: CX_TIME_ZONE is not a time zone
        console.print(f"[red]build failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(built_line(result))


def _summary(table_cls, results, manifest: dict):
    """Per file: rows read, loaded, quarantined, and the bad rows the generator seeded."""
    seeded = {f["file"]: len(f["bad_rows"]) for f in manifest.get("files", {}).values()}
    table = table_cls(title="ingest")
    for name, justify in (
        ("file", "left"),
        ("status", "left"),
        ("read", "right"),
        ("loaded", "right"),
        ("quarantined", "right"),
        ("seeded bad", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)
    for r in results:
        file = Path(str(_field(r, "file", ""))).name
        table.add_row(
            file,
            str(_field(r, "status", "") or ""),
            f"{_field(r, 'rows_read', 0):,}",
            f"{_field(r, 'rows_loaded', 0):,}",
            f"{_field(r, 'rows_quarantined', 0):,}",
            f"{seeded.get(file, 0):,}",
        )
    return table


def _field(result, name: str, default):
    if isinstance(result, dict):
        return result.get(name, default)
    return getattr(result, name, default)
