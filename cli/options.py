"""The options several `cx` commands share, declared once: the warehouse, the period, the filter
dimensions (warehouse/filters.py's DIMENSIONS) and whose view. A command writes `db: Db = None`;
`filters_from` turns the period and filter options into Filters, `as_viewer` narrows them to what
the person named by `--as` may see (and audits it)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

Db = Annotated[
    Path | None, typer.Option("--db", help="ingest database; default CX_DB or data/warehouse.duckdb")
]
DateFrom = Annotated[
    str | None, typer.Option("--from", help="first day (YYYY-MM-DD); default 90 days before --to")
]
DateTo = Annotated[str | None, typer.Option("--to", help="last day (YYYY-MM-DD); default the latest data")]
Channel = Annotated[list[str] | None, typer.Option("--channel", help="sales or contact channel (repeatable)")]
Region = Annotated[list[str] | None, typer.Option("--region", help="region (repeatable)")]
Store = Annotated[list[str] | None, typer.Option("--store", help="store id (repeatable)")]
Tier = Annotated[list[str] | None, typer.Option("--tier", help="bronze, silver, gold, platinum, none")]
Segment = Annotated[list[str] | None, typer.Option("--segment", help="customer segment (repeatable)")]


def filters_from(
    date_from: str | None,
    date_to: str | None,
    channel: list[str] | None,
    region: list[str] | None,
    store: list[str] | None,
    tier: list[str] | None,
    segment: list[str] | None,
    compare: str,
):
    """The Filters the period and filter options ask for (a malformed date: typer.BadParameter)."""
    from warehouse.filters import Filters

    return Filters(
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        channel=tuple(channel or ()),
        region=tuple(region or ()),
        store=tuple(store or ()),
        tier=tuple(tier or ()),
        segment=tuple(segment or ()),
        compare=compare,
    )


def as_viewer(wh, db: Path, filters, as_user: str, command: str):
    """`filters` in the scope of the person `as_user` (their role and scope from the access file),
    audited as `command`; an unknown person, or a region or store filter outside their scope, is a
    ValueError (refused, not quietly emptied)."""
    from config import access
    from config.settings import Settings
    from warehouse import audit

    settings = Settings.from_env()
    user = access.resolve(access.load(settings.access), as_user, email_verified=True)
    if user is None:
        raise ValueError(f"{as_user} has no access in {settings.access}: no figures to show")
    options = wh.filter_options(user.scope)
    outside = [f"region {r!r}" for r in filters.region if r not in options["region"]]
    outside += [f"store {s!r}" for s in filters.store if s not in options["store"]]
    if outside:
        raise ValueError(
            f"{', '.join(outside)} is outside what {user.email} may see ({user.scope.describe()})"
        )
    scoped = replace(filters, scope=user.scope)
    audit.record(
        db,
        "cli",
        as_user,
        role=user.role_label,
        scope=user.scope.describe(),
        filters=scoped.describe(),
        detail=f"{command} --as",
    )
    return scoped


def clean(v):
    """A figure for JSON: NaN and infinity as null (not measured), floats to 6 decimals."""
    if v is None:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return round(v, 6) if isinstance(v, float) else v


def _date(value: str | None, flag: str):
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{flag} must be a date like 2026-03-31, not {value!r}") from None
