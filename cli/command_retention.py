"""`cx retention`: the retention policy, what has passed it, and (--apply) deleting that."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer

from cli.options import Db
from config.settings import Settings, resolve_db


def retention(
    db: Db = None,
    apply: bool = typer.Option(
        False, "--apply", help="delete what has passed its period, build, remove the older snapshots"
    ),
    json_out: bool = typer.Option(False, "--json", help="one JSON object: the policy and what passed it"),
) -> None:
    """Show the retention policy (CX_RETENTION, else the defaults), the oldest data kept of each kind
    and how much has passed its period; --apply deletes it. Exit status 1 when the policy file or
    the warehouse cannot be used."""
    from config.retention import RetentionError, load_policy
    from ops import retention as ops_retention
    from warehouse.build import build

    def fail(message: str) -> None:
        text = json.dumps({"error": message}) if json_out else f"cx retention: {message}"
        typer.echo(text, err=not json_out)
        raise typer.Exit(1)

    try:
        settings = Settings.from_env()
        policy = load_policy(settings.retention)
    except (ValueError, RetentionError) as exc:
        fail(str(exc))
    path = resolve_db(db)
    today = datetime.now(UTC).date()
    try:
        if apply:
            report, built = ops_retention.enforce(
                path, policy, today, lambda d: build(d, time_zone=settings.time_zone, full=True)
            )
        else:
            report, built = ops_retention.retention(path, policy, today), None
    except Exception as exc:  # the database in use by another process, a failed build: one line
        fail(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    if json_out:
        typer.echo(json.dumps({**report.as_dict(), "snapshot": built}, indent=2))
        return
    typer.echo(f"retention policy: {report.policy} (today {report.today})")
    for k in report.kinds:
        cutoff = f"before {k.cutoff}" if k.cutoff else "never"
        done = f", removed {k.removed:,}" if apply else ""
        typer.echo(
            f"  {k.kind:14} kept {k.kept_for:10} oldest {k.oldest or '-':20} "
            f"past ({cutoff}): {k.past:,}{done}"
        )
    if built:
        typer.echo(f"built {built} without them; older snapshots removed")
    elif not apply and any(k.past for k in report.kinds):
        typer.echo("run `cx retention --apply` to delete what has passed its period")
