"""`cx inbox DIR`: ingest every new file dropped in DIR, move each to done/ or failed/ with its
result, apply the retention policy, build once, then run the alerts. One command for cron or a
systemd timer."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.options import Db
from config.settings import Settings, resolve_db


def inbox(
    folder: Path = typer.Argument(..., help="the drop folder"),  # noqa: B008
    db: Db = None,
    period: str = typer.Option("latest-month", "--period", help="the alerts' period (see cx alerts)"),
    alerts: bool = typer.Option(True, "--alerts/--no-alerts", help="run cx alerts after the build"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object: files, build, alerts"),
) -> None:
    """Ingest every new file in FOLDER, move it to FOLDER/done or FOLDER/failed with
    <name>.result.json beside it, apply the retention policy (CX_RETENTION), build once, then run
    the alerts (failed files are alerts too). Exit status 1 when a file failed, the retention
    policy could not be applied, the build failed or an alert could not be delivered."""
    from cli.command_ingest import _build
    from ingest.run import ingest_paths
    from ops import evaluate
    from ops.inbox import InboxBusy, process
    from warehouse import audit

    db = resolve_db(db)
    settings = Settings.from_env()

    def ingest(files, questions):
        return [
            r.as_dict()
            for r in ingest_paths(
                files, db, settings=settings, questions=str(questions) if questions else None
            )
        ]

    try:
        moved = process(Path(folder), ingest)
    except InboxBusy as exc:
        typer.echo(json.dumps({"busy": str(exc)}) if json_out else str(exc), err=not json_out)
        return
    except Exception as exc:  # the folder is missing, or the warehouse is being written by another process
        text = " ".join(str(exc).split()) or type(exc).__name__
        message = f"cx inbox: nothing was moved: {type(exc).__name__}: {text}"
        typer.echo(json.dumps({"error": message}) if json_out else message, err=not json_out)
        raise typer.Exit(1) from None
    kept = _retention(db, settings)  # the retention policy, after loading and before the build
    built = None
    if any(r["status"] == "loaded" for m in moved for r in m.results) or kept.get("removed_rows"):
        built = _build(db, quiet=True)
    if built and kept.get("removed_rows"):
        from warehouse import snapshots

        snapshots.remove_older(db)  # they hold what the policy deleted
    if kept.get("report") is not None:
        from ops import retention as ops_retention

        snapshot = _current_snapshot_name(db) if built else None
        ops_retention.record(db, kept["report"], snapshot, "cx inbox")
    failed = [m for m in moved if m.outcome == "failed"]
    if moved:
        audit.record(
            db,
            "inbox",
            "cx inbox",
            detail=json.dumps({"done": len(moved) - len(failed), "failed": len(failed), "built": built}),
        )
    out = {
        "files": [
            {"file": m.name, "outcome": m.outcome, "moved_to": str(m.moved_to), "results": m.results}
            for m in moved
        ],
        "built": built,
        "retention": kept.get("summary"),
    }
    if not json_out:
        if not moved:
            typer.echo(f"no new files in {folder}")
        for m in moved:
            statuses = ", ".join(sorted({r["status"] for r in m.results}))
            typer.echo(f"{m.outcome}: {m.name} ({statuses}) -> {m.outcome}/{m.moved_to.name}")
            if m.message:
                typer.echo(f"    {m.message}")
        if kept.get("error"):
            typer.echo(f"retention not applied: {kept['error']}", err=True)
        elif kept.get("removed"):
            what = ", ".join(f"{k} {n:,}" for k, n in kept["removed"].items())
            typer.echo(f"retention policy applied: removed {what}")
        if built is not None:
            typer.echo(
                "built the warehouse" if built else "the build failed: the dashboard keeps the last snapshot"
            )
    code = 1 if failed or built is False or kept.get("error") else 0
    if alerts:
        from cli.command_alerts import run_and_print

        extra = [evaluate.inbox_failure(m.name, m.sha256, m.message or "refused") for m in failed]
        has_snapshot = _has_snapshot(db)
        if has_snapshot:
            if json_out:
                import contextlib
                import io

                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    alert_code = run_and_print(db, period, False, True, extra)
                out["alerts"] = _json_or_text(buffer.getvalue())
            else:
                alert_code = run_and_print(db, period, False, False, extra)
            code = code or alert_code
    if json_out:
        typer.echo(json.dumps(out, indent=2, default=str))
    if code:
        raise typer.Exit(code)


def _retention(db: Path, settings: Settings) -> dict:
    """Apply the retention policy (ops.retention): {report, summary, removed, removed_rows} or {error}."""
    from datetime import UTC, datetime

    from config.retention import load_policy
    from ops import retention as ops_retention

    try:
        report = ops_retention.retention(
            db, load_policy(settings.retention), datetime.now(UTC).date(), apply=True
        )
    except Exception as exc:  # a bad policy file (RetentionError), the database in use: one line
        text = " ".join(str(exc).split()) or type(exc).__name__
        return {"error": text, "summary": {"error": text}}
    removed = {k.kind: k.removed for k in report.kinds if k.removed}
    return {
        "report": report,
        "removed": removed,
        "removed_rows": report.removed_from_database,
        "summary": {"policy": report.policy, "removed": removed},
    }


def _current_snapshot_name(db: Path) -> str | None:
    from warehouse import snapshots

    current = snapshots.current_snapshot(db)
    return current.name if current else None


def _has_snapshot(db: Path) -> bool:
    from warehouse import snapshots

    return snapshots.current_snapshot(db) is not None


def _json_or_text(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
