"""`cx alerts`: evaluate every metric's alert threshold and deliver new breaches and recoveries once."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from cli.options import Db
from config.settings import resolve_db


def alerts(
    db: Db = None,
    period: str = typer.Option("latest-month", "--period", help="latest-month, last-7-days or last-30-days"),
    dry_run: bool = typer.Option(False, "--dry-run", help="evaluate and print; record and send nothing"),
    json_out: bool = typer.Option(False, "--json", help="the breaches and deliveries as JSON"),
) -> None:
    """Evaluate the alert thresholds and send each new breach and recovery once (e-mail, webhook).
    Exit status 1 when a delivery failed (it stays pending for the next run)."""
    code = run_and_print(resolve_db(db), period, dry_run, json_out)
    if code:
        raise typer.Exit(code)


def config_from_settings(settings, period: str):
    from ops import deliver, recipients
    from ops.run import AlertConfig

    smtp = (
        deliver.SmtpConfig(settings.smtp_url, settings.alert_from, settings.smtp_user, settings.smtp_password)
        if settings.smtp_url
        else None
    )
    return AlertConfig(
        period=period,
        alert_to=recipients.split_emails(settings.alert_to),
        webhook_url=settings.webhook_url,
        smtp=smtp,
        recipients_file=settings.alert_recipients,
        access_file=settings.access,
        dashboard_url=settings.dashboard_url,
        cadence_days=settings.source_cadence_days,
    )


def run_and_print(db: Path, period: str, dry_run: bool, json_out: bool, extra=()) -> int:
    """Shared with `cx inbox` (which adds its failed files as findings). Returns the exit status."""
    from config.access import AccessFileError
    from config.settings import Settings
    from ops import evaluate, run
    from warehouse import audit
    from warehouse.api import NoWarehouse

    try:
        if period not in evaluate.PERIODS:
            raise ValueError(f"--period must be one of {', '.join(evaluate.PERIODS)}, not {period!r}")
        settings = Settings.from_env()
        report = run.run(
            db,
            settings.targets,
            config_from_settings(settings, period),
            datetime.now(),
            list(extra),
            dry_run=dry_run,
        )
    except (NoWarehouse, ValueError, AccessFileError, OSError) as exc:
        if json_out:
            typer.echo(json.dumps({"error": str(exc)}))
        else:
            typer.echo(str(exc), err=True)
        return 1
    if not dry_run:
        audit.record(
            db,
            "alerts",
            "cx alerts",
            detail=json.dumps(
                {
                    "period": report.period,
                    "new": len(report.new),
                    "recoveries": len(report.recoveries),
                    "sent": sum(d["status"] == "sent" for d in report.deliveries),
                    "failed": len(report.failed),
                }
            ),
        )
    if json_out:
        typer.echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        new = {f.key for f in report.new}
        typer.echo(
            f"alerts for {report.period or 'no data'}: {len(report.breaches)} in breach "
            f"({len(new)} new), {len(report.recoveries)} recovered" + (" (dry run)" if dry_run else "")
        )
        for f in report.breaches:
            typer.echo(
                ("  NEW " if f.key in new else "      ") + evaluate.describe(f).replace("\n", "\n      ")
            )
        for f in report.recoveries:
            typer.echo(f"  RECOVERED {f.subject}, {f.period}, {f.scope}")
        if report.new and not report.audiences:
            typer.echo(
                "  no one to tell: set CX_ALERT_TO and CX_SMTP_URL, or CX_WEBHOOK_URL, or name "
                "region and store managers (see the README's Alerts)",
                err=True,
            )
        for d in report.deliveries:
            what = f"{len(d['breaches'])} alert(s), {len(d['recoveries'])} recovery(ies)"
            line = f"  {d['status']}: {d['channel']} {d['recipient']}: {what}"
            typer.echo(line + (f" ({d['error']})" if d.get("error") else ""), err=d["status"] == "failed")
    return 1 if report.failed else 0
