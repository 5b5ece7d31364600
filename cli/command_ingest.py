"""`cx ingest`: load export files into the warehouse, checked against the source contracts.

Each file is detected (or told) its profile, checked row by row, and loaded in one transaction:
accepted rows into raw.<source>, rejected rows into meta.quarantine with the broken rule. A file
whose content was loaded before is a duplicate; a file that cannot be read as an export of a known
source, or whose rows are mostly bad (CX_MAX_ERROR_SHARE), is refused whole; a recognised export
that feeds no source (Olist payments) is skipped. A
file feeding two sources (a Zendesk ticket export: contacts and CSAT answers) gives one result per
source. Exit status 1 when any file was refused (or the build failed), else 0.
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from pathlib import Path

import typer

from cli.command_build import built_line, scoring_step
from cli.options import Db
from config.settings import Settings, build_memory_from_env, resolve_db, time_zone_from_env
from ingest.results import FileResult

RESULT_KEYS = tuple(f.name for f in fields(FileResult))  # the keys of a --json line


def expand_paths(paths: list[Path]) -> list[Path]:
    """Directories become the export files inside them (recursively, sorted); manifest.json is skipped."""
    from ingest.readers import is_export

    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and is_export(p)))
        else:
            out.append(path)
    return out


def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="export files or folders of exports (CSV, CSV.gz, XLSX, JSONL, Parquet)"
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        help="only consider profiles of this source: orders (or pos), contacts (or support), "
        "surveys (or survey), customers, sessions, stores, ...",
    ),
    profile: str | None = typer.Option(None, "--profile", help="use this profile instead of detecting it"),
    sheet: str | None = typer.Option(
        None,
        "--sheet",
        help="of an XLSX workbook, read only this sheet (default: every sheet a profile accepts)",
    ),
    db: Db = None,
    json_out: bool = typer.Option(False, "--json", help="print one JSON object per file (JSON lines)"),
    build: bool = typer.Option(True, "--build/--no-build", help="rebuild the warehouse after loading"),
    questions: str | None = typer.Option(
        None,
        "--questions",
        help="survey exports (Qualtrics, SurveyMonkey): which column holds which answer, "
        'e.g. nps=Q1,csat=Q3, or a TOML file with nps = "Q1" (optional touchpoint = "support")',
    ),
) -> None:
    """Load export files: detect each file's profile, quarantine bad rows, load the rest."""
    files = expand_paths(paths)
    progress = not json_out and sys.stdout.isatty()
    results = _run(
        files, resolve_db(db), source, profile, progress=progress, questions=questions, sheet=sheet
    )
    if json_out:
        for r in results:
            typer.echo(json.dumps({k: r.get(k) for k in RESULT_KEYS}, default=str))
    else:
        _print_table(results)
    build_failed = False
    if build and any(r["status"] == "loaded" for r in results):
        build_failed = not _build(resolve_db(db), quiet=json_out)
    if build_failed or any(r["status"] == "refused" for r in results):
        raise typer.Exit(1)


def _run(
    files: list[Path],
    db: Path,
    source,
    profile,
    progress: bool,
    questions: str | None = None,
    sheet: str | None = None,
) -> list[dict]:
    """ingest_paths as plain dicts; whatever goes wrong becomes a refused result, never a traceback."""
    if not files:
        return [_failure("(no files)", "no export files found in the given paths")]
    try:
        from ingest.run import ingest_paths

        settings = Settings.from_env()
        return [
            r.as_dict()
            for r in ingest_paths(
                files,
                db,
                source=source,
                profile=profile,
                progress=progress,
                settings=settings,
                questions=questions,
                max_error_share=settings.max_error_share,
                sheet=sheet,
            )
        ]
    except Exception as exc:  # e.g. the warehouse file is locked by another process
        text = " ".join(str(exc).split()) or type(exc).__name__
        return [
            _failure(
                str(f),
                f"{Path(f).name}: refused: ingest failed before this file was loaded: "
                f"{type(exc).__name__}: {text}",
            )
            for f in files
        ]


def _failure(file: str, message: str) -> dict:
    return FileResult(file, None, None, 0, 0, 0, "refused", message).as_dict()


def _build(db: Path, quiet: bool) -> bool:
    from warehouse.build import build as run_build

    try:
        # the VoC step runs while the published snapshot is copied (warehouse/build.py)
        result = run_build(
            db,
            quiet=True,
            time_zone=time_zone_from_env(),
            memory_gb=build_memory_from_env(),
            first=scoring_step(db, quiet),
        )
    except Exception as exc:
        typer.echo(f"build failed: {type(exc).__name__}: {exc}", err=True)
        return False
    if not quiet:
        typer.echo(built_line(result))
    return True


def _print_table(results: list[dict]) -> None:
    """One table per result. Text from files (names, messages) is shown as plain text, escaped:
    never as rich markup, never as terminal control sequences."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ingest.read_errors import printable

    styles = {"loaded": "green", "duplicate": "yellow", "refused": "red", "skipped": "blue"}
    console = Console()
    for r in results:
        name = Text(printable(Path(r["file"]).name))
        table = Table(title=name, show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        table.add_row("status", Text(r["status"], style=styles.get(r["status"], "")))
        table.add_row("source / profile", f"{r['source'] or '-'} / {r['profile'] or '-'}")
        table.add_row("rows read", f"{r['rows_read']:,}")
        table.add_row("rows loaded", f"{r['rows_loaded']:,}")
        table.add_row("rows quarantined", f"{r['rows_quarantined']:,}")
        table.add_row("message", Text(printable(r["message"])))
        console.print(table)
