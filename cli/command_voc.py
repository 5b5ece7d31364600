"""`cx voc`: the voice of the customer for the filters (sentiment accuracy per language, sentiment
trend, themes, emerging themes, key drivers of NPS and CSAT), the same data as the page;
`--refit` fits a new version of the comment models first, rescores every comment and builds."""

from __future__ import annotations

import json

import typer

from cli.options import (
    Channel,
    DateFrom,
    DateTo,
    Db,
    Region,
    Segment,
    Store,
    Tier,
    as_viewer,
    clean,
    filters_from,
)
from config.settings import resolve_db


def voc(
    db: Db = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    channel: Channel = None,
    region: Region = None,
    store: Store = None,
    tier: Tier = None,
    segment: Segment = None,
    compare: str = typer.Option(
        "previous",
        "--compare",
        help="emerging themes against: previous (period before), year, none (= previous)",
    ),
    grain: str = typer.Option("month", "--grain", help="sentiment trend per week or month"),
    refit: bool = typer.Option(
        False, "--refit", help="fit a new model version on every comment, rescore them all, then build"
    ),
    json_out: bool = typer.Option(False, "--json", help="one JSON object"),
    as_user: str | None = typer.Option(
        None, "--as", help="what that person sees (their scope from the access file); unknown: exit status 1"
    ),
) -> None:
    """Sentiment accuracy, sentiment trend, themes, emerging themes and key drivers for the filters."""
    import duckdb

    from config import access
    from config.settings import Settings, time_zone_from_env
    from warehouse.api import NoWarehouse, Warehouse

    path = resolve_db(db)
    if refit:
        from cli.command_build import built_line
        from voc.step import describe, update
        from warehouse.build import BuildError, build

        try:
            line = describe(update(path, refit=True))
            result = build(path, quiet=True, time_zone=time_zone_from_env())
        except (BuildError, duckdb.Error, OSError, ValueError) as exc:
            typer.echo(f"voc refit failed: {' '.join(str(exc).split())}", err=True)
            raise typer.Exit(1) from None
        if not json_out:
            typer.echo(line)
            typer.echo(built_line(result))
    try:
        filters = filters_from(date_from, date_to, channel, region, store, tier, segment, compare)
        wh = Warehouse.open(path, Settings.from_env().targets)
        if as_user is not None:
            filters = as_viewer(wh, path, filters, as_user, "cx voc")
        resolved = wh.resolve(filters)
        out = voice_report(wh, resolved, grain)
    except (NoWarehouse, ValueError, access.AccessFileError, duckdb.Error) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        typer.echo(json.dumps({"error": message}) if json_out else message, err=not json_out)
        raise typer.Exit(1) from None
    if json_out:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    _print(out)


def voice_report(wh, filters, grain: str = "month") -> dict:
    """The voice-of-the-customer queries for `filters`, as plain data (the --json output)."""

    def rows(result) -> list[dict]:
        return [
            {k: clean(v) if isinstance(v, float) else v for k, v in r.items()}
            for r in result.frame.to_dicts()
        ]

    return {
        "filters": {
            "from": str(filters.date_from),
            "to": str(filters.date_to),
            "description": filters.describe(),
        },
        "accuracy": rows(wh.voice_accuracy(filters)),
        "sentiment_trend": rows(wh.voice_sentiment_trend(filters, grain)),
        "themes": rows(wh.voice_themes(filters)),
        "emerging_themes": rows(wh.voice_emerging_themes(filters)),
        "drivers": {
            "nps": rows(wh.voice_drivers(filters, "nps")),
            "csat": rows(wh.voice_drivers(filters, "csat")),
        },
    }


def _print(out: dict) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    console.print(escape(out["filters"]["description"]))
    console.print("[bold]Sentiment accuracy[/bold] (AUC: unhappy vs happy answers; detractors vs promoters)")
    for a in out["accuracy"]:
        if a["status"] == "measured":
            nps = f"{a['auc_nps']:.3f}" if a["auc_nps"] is not None else "–"
            console.print(
                f"  {a['language']}: AUC {a['auc']:.3f} "
                f"(n {a['count_unhappy']} unhappy / {a['count_happy']} happy), "
                f"NPS {nps} (n {a['count_detractors']} / {a['count_promoters']}); "
                f"{a['count_comments']:,} comments"
            )
        else:
            console.print(f"  {a['language']}: not measured: {escape(a['reason'] or '')}")
    console.print("[bold]Themes[/bold]")
    for t in out["themes"]:
        nps = f"NPS {t['nps']:+.0f} (n {t['nps_n']})" if t["nps"] is not None else "NPS –"
        sent = f"{t['mean_sentiment']:+.2f}" if t["mean_sentiment"] is not None else "–"
        console.print(
            f"  {escape(t['theme'])}: {t['count_comments']:,} ({100 * t['share']:.0f}%), "
            f"sentiment {sent}, {nps}"
        )
    emerging = [e for e in out["emerging_themes"] if e["is_emerging"]]
    console.print(f"[bold]Emerging themes[/bold]: {len(emerging) or 'none'}")
    for e in emerging:
        console.print(f"  {escape(e['message'])}")
    for metric, drivers in out["drivers"].items():
        console.print(f"[bold]Drivers of {metric.upper()}[/bold] (points, 95% CI, n)")
        for d in drivers:
            if d["status"] == "measured":
                console.print(
                    f"  {escape(d['label'])}: {d['effect']:+.1f} "
                    f"[{d['ci_low']:+.1f}, {d['ci_high']:+.1f}] n {d['n']}"
                )
            else:
                console.print(f"  {escape(d['label'] or metric)}: not measured: {escape(d['reason'] or '')}")
