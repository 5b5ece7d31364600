"""The options several `cx` commands share, declared once: the warehouse, the period, the filter
dimensions (warehouse/filters.py's DIMENSIONS) and whose view. A command writes `db: Db = None`."""

from __future__ import annotations

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
