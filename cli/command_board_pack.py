"""`cx board-pack`: the monthly review's frozen figures as HTML, XLSX and PDF, from the command
line (for a schedule), optionally e-mailed to CX_ALERT_TO."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import typer

from cli.options import Channel, Db, Region, Segment, Store, Tier
from config.settings import resolve_db


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise typer.BadParameter(f"--month must look like 2026-10, not {text!r}") from None


def board_pack(
    month: str = typer.Option(..., "--month", help="the review month, YYYY-MM"),
    out: Path = typer.Option(..., "--out", help="folder to write the pack's HTML, XLSX and PDF to"),  # noqa: B008
    db: Db = None,
    channel: Channel = None,
    region: Region = None,
    store: Store = None,
    tier: Tier = None,
    segment: Segment = None,
    paper: str = typer.Option("A4", "--paper", help="A4 or Letter"),
    email: bool = typer.Option(False, "--email", help="e-mail the three files to CX_ALERT_TO"),
    revise: bool = typer.Option(
        False,
        "--revise",
        help="re-issue the frozen pack as a new revision when late data changed the month "
        "(the old one is kept, the changes listed); without changes nothing is re-issued",
    ),
    json_out: bool = typer.Option(False, "--json", help="what was written, as JSON"),
) -> None:
    """Freeze the month's figures (the first time; later runs reuse the frozen pack, as the Monthly
    review page does) and write them as HTML, XLSX and PDF to --out."""
    from config.settings import Settings
    from dashboard import board_pack as pack_module
    from dashboard import board_pack_print
    from warehouse import audit, money
    from warehouse.api import NoWarehouse, Warehouse
    from warehouse.filters import Filters

    db = resolve_db(db)
    settings = Settings.from_env()
    try:
        first = _month(month)
        if paper not in board_pack_print.PAPERS:
            raise ValueError(f"--paper must be A4 or Letter, not {paper!r}")
        filters = Filters(
            channel=tuple(channel or ()),
            region=tuple(region or ()),
            store=tuple(store or ()),
            tier=tuple(tier or ()),
            segment=tuple(segment or ()),
        )
        wh = Warehouse.open(db, settings.targets)
        money.use(wh.currency())
        start = wh.data_start()
        if start is None or not (start.replace(day=1) <= first <= (wh.as_of() or first)):
            raise ValueError(f"{month} is outside the data ({start} to {wh.as_of()})")
        directory = db.parent / "board_packs"
        make = lambda: pack_module.collect(wh, first, filters)  # noqa: E731
        revised = []
        if revise:
            from dashboard import board_pack_revisions

            _new, revised = board_pack_revisions.revise(directory, first, filters, make)
        pack = pack_module.freeze(directory, first, filters, make)
        rendered = board_pack_print.ensure(directory, first, filters, pack, paper)
    except (NoWarehouse, ValueError, typer.BadParameter, board_pack_print.PdfUnavailable) as exc:
        message = exc.message if isinstance(exc, typer.BadParameter) else str(exc)
        typer.echo(json.dumps({"error": message}) if json_out else message, err=not json_out)
        raise typer.Exit(1) from None
    out.mkdir(parents=True, exist_ok=True)
    stem = f"cx_board_pack_{first:%Y-%m}"
    written = {
        "html": out / f"{stem}.html",
        "xlsx": out / f"{stem}.xlsx",
        "pdf": out / f"{stem}.pdf",
    }
    shutil.copyfile(rendered["html"], written["html"])
    shutil.copyfile(rendered["pdf"], written["pdf"])
    written["xlsx"].write_bytes(pack_module.render_xlsx(pack))
    audit.record(
        db,
        "board_pack",
        "cx board-pack",
        filters=pack["filters_text"],
        scope=pack["scope"],
        detail=f"{first:%Y-%m} revision {pack.get('revision', 1)} written to {out}",
    )
    result = {fmt: {"path": str(p), "bytes": p.stat().st_size} for fmt, p in written.items()}
    result["frozen_at"] = pack["frozen_at"]
    result["revision"] = pack.get("revision", 1)
    if revise:
        result["revision_changes"] = revised
    code = 0
    if email:
        result["email"] = _email(settings, pack, written)
        code = 1 if result["email"]["status"] == "failed" else 0
    if json_out:
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo(
            f"board pack {first:%Y-%m} revision {pack.get('revision', 1)} "
            f"(figures frozen {pack['frozen_at']}):"
        )
        if revise and not revised:
            typer.echo("  no figure changed since the pack was frozen: nothing re-issued")
        for c in revised:
            typer.echo(f"  changed: {c['label']} {c['before']} -> {c['after']}")
        for fmt, p in written.items():
            typer.echo(f"  {fmt}: {p} ({p.stat().st_size:,} bytes)")
        if email:
            e = result["email"]
            typer.echo(
                f"  e-mail: {e['status']}" + (f" ({e['error']})" if e.get("error") else ""),
                err=e["status"] == "failed",
            )
    if code:
        raise typer.Exit(code)


def _email(settings, pack: dict, files: dict[str, Path]) -> dict:
    from ops import deliver, recipients

    to = recipients.split_emails(settings.alert_to)
    if not settings.smtp_url or not to:
        return {"status": "failed", "error": "--email needs CX_SMTP_URL and CX_ALERT_TO"}
    config = deliver.SmtpConfig(
        settings.smtp_url, settings.alert_from, settings.smtp_user, settings.smtp_password
    )
    subject = f"CX board pack {pack['month']}"
    text = (
        f"The CX board pack for {pack['month']} ({pack['filters_text']}), "
        f"figures frozen {pack['frozen_at']}: "
        "PDF to read, HTML to open in a browser, XLSX with the numbers.\n"
    )
    try:
        deliver.send_email(config, ", ".join(to), subject, text, attachments=list(files.values()))
    except deliver.DeliveryError as exc:
        return {"status": "failed", "error": str(exc), "to": list(to)}
    return {"status": "sent", "to": list(to)}
