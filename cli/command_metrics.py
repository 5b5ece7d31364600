"""`cx metrics`: every metric for the filters, from outside the dashboard."""

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


def metrics(
    db: Db = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    channel: Channel = None,
    region: Region = None,
    store: Store = None,
    tier: Tier = None,
    segment: Segment = None,
    compare: str = typer.Option(
        "previous", "--compare", help="previous (period before), year (a year before), none"
    ),
    json_out: bool = typer.Option(False, "--json", help="one JSON object keyed by metric"),
    as_user: str | None = typer.Option(
        None,
        "--as",
        help="the figures that person sees: their role and scope from the access file (CX_ACCESS); "
        "an unknown person or a filter outside their scope exits with status 1",
    ),
) -> None:
    """Print every metric (value, n, margin, target, status, previous) for the filters."""
    import duckdb

    from config import access
    from config.settings import Settings
    from warehouse import money
    from warehouse.api import NoWarehouse, Warehouse

    try:
        filters = filters_from(date_from, date_to, channel, region, store, tier, segment, compare)
        wh = Warehouse.open(resolve_db(db), Settings.from_env().targets)
        if as_user is not None:
            filters = as_viewer(wh, resolve_db(db), filters, as_user, "cx metrics")
    except (NoWarehouse, ValueError, access.AccessFileError) as exc:  # TargetsError is a ValueError
        if json_out:
            typer.echo(json.dumps({"error": str(exc)}))
        else:
            typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    try:
        money.use(wh.currency())  # money in the orders' own currency
        resolved = wh.resolve(filters)
        frame = wh.metrics(resolved).frame
    except duckdb.Error as exc:
        # e.g. a snapshot built by an older version of the models, which lacks a column
        message = (
            f"the warehouse snapshot {wh.snapshot.name} cannot answer the metric queries "
            f"({type(exc).__name__}: {str(exc).splitlines()[0]}); rebuild it with `cx build`"
        )
        if json_out:
            typer.echo(json.dumps({"error": message}))
        else:
            typer.echo(message, err=True)
        raise typer.Exit(1) from None
    out = {}
    for row in frame.to_dicts():
        entry = {
            "label": row["label"],
            "value": clean(row["value"]),
            "unit": row["unit"],
            "n": clean(row["n"]),
            "target": row["target"],
            "alert": row["alert"],
            "status": row["status"],
            "reason": row["reason"],
            "previous": clean(row["previous"]),
            "change": clean(row["change"]),
            "significant": row["significant"],
        }
        if row["margin"] is not None:
            entry["margin"] = clean(row["margin"])
        elif row["metric"] in ("nps", "csat", "ces"):
            entry["margin"] = None
        out[row["metric"]] = entry
    if json_out:
        out["_filters"] = {
            "from": str(resolved.date_from),
            "to": str(resolved.date_to),
            "compare": resolved.compare,
            "description": resolved.describe(),
        }
        typer.echo(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    from warehouse.metrics import METRICS

    table = Table(title=resolved.describe())
    for col in ("metric", "value", "n", "± margin", "target", "status", "previous"):
        table.add_column(col, justify="right" if col != "metric" else "left")
    for key, e in out.items():
        m = METRICS[key]
        table.add_row(
            m.label,
            m.fmt(e["value"]),
            f"{e['n']:,.0f}" if e["n"] is not None else "–",
            f"{e['margin']:.1f}" if e.get("margin") is not None else "",
            m.fmt(e["target"]),
            e["status"] if not e["reason"] else f"{e['status']}: {e['reason']}",
            m.fmt(e["previous"]),
        )
    Console().print(table)
