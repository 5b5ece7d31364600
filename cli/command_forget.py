"""`cx forget`: erase a person (a customer's request to be forgotten) from every place the product
keeps data, and keep them out of later ingests (the erasure list). See ops/forget.py."""

from __future__ import annotations

import json

import typer

from cli.options import Db
from config.settings import Settings, resolve_db


def forget(
    customer: str | None = typer.Option(None, "--customer", help="the person's customer id"),
    email: str | None = typer.Option(
        None, "--email", help="the person's e-mail address (hashed as ingest hashes it, CX_PII_SALT)"
    ),
    db: Db = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would be removed; change nothing"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object: what was found and removed where"),
) -> None:
    """Remove a person from the raw tables, quarantine rows and lineage, the published snapshots (a
    new one is built), board packs naming them, the alert state and the audit log; add them to the
    erasure list so a later ingest keeps them out. Exit status 1 when the warehouse holds nothing of
    them (they are added to the erasure list all the same) or the new snapshot still names them, 2
    for a bad request."""
    from ops.forget import ForgetError
    from ops.forget import forget as run_forget

    def fail(message: str, code: int) -> None:
        typer.echo(json.dumps({"error": message}) if json_out else f"cx forget: {message}", err=not json_out)
        raise typer.Exit(code)

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        fail(str(exc), 2)
    from warehouse.build import build

    path = resolve_db(db)
    try:
        report = run_forget(
            path,
            settings.pii_salt,
            customer_id=customer,
            email=email,
            dry_run=dry_run,
            build=lambda d: build(d, time_zone=settings.time_zone, full=True),  # the days of CX_TIME_ZONE
        )
    except ForgetError as exc:
        fail(str(exc), 2)
    except Exception as exc:  # a build that failed, a full disk: one line, never a traceback
        fail(f"stopped: {type(exc).__name__}: {' '.join(str(exc).split())}", 1)
    if json_out:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        _print(report)
    if not report.found or report.snapshot_still_holds:
        raise typer.Exit(1)


def _print(report) -> None:
    verb = "would remove" if report.dry_run else "removed"
    who = "this person"
    if not report.found:
        typer.echo(f"no data of {who} in the warehouse; nothing to remove")
    for p in report.places:
        if p.found:
            shown = p.found if report.dry_run else p.removed
            typer.echo(f"  {p.name}: {verb} {shown:,} ({p.found:,} found)")
    if report.dry_run:
        typer.echo("dry run: nothing was changed")
        return
    if report.snapshot:
        typer.echo(f"  built {report.snapshot} without them")
    if report.snapshot_still_holds:
        typer.echo(
            f"the new snapshot still holds {report.snapshot_still_holds:,} rows naming them: a place "
            "was missed; tell the CX team (the erasure is recorded)",
            err=True,
        )
    typer.echo(
        f"erasure {report.erasure_id}: {report.erasure_list:,} salted hashes added to the erasure list "
        f"(later ingests keep them out) in {report.seconds:.1f} s"
    )
