"""Seeded demo exports: a realistic set of retailer exports in the canonical CSV format.

    generate(scale, seed, end) -> {source: DataFrame of text columns, exactly as written}
    write_exports(out_dir, scale, seed, end) -> {source: path of <source>.csv}, plus manifest.json

One "world" is simulated first as numpy arrays (customers and tier spells, orders and lines,
contacts, survey answers, sessions; see the modules of this package). Then each source's seeded bad
rows are planned from its full columns (bad_rows.plan), and the source is rendered to text, given
its bad rows and written a chunk of rows at a time (tables.py), so memory holds the world plus one
chunk, not a whole export's text (50M order lines fit in 24 GB). Same seed, scale and end give
byte-identical files, whatever the chunk size; everything scales linearly with `scale` (1.0 =
~200k order lines).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from demo import bad_rows
from demo import formatting as fmt
from demo.catalogue import Catalogue, build_catalogue
from demo.customers import Customers, build_customers, customer_ids, render_customers
from demo.kpis import all_kpis
from demo.orders import Orders, build_orders, order_ids, render_orders
from demo.roadmap import BASELINE_DAYS, Effects, checkins_frame, cost_assumptions_frame, day_ts, roadmap_frame
from demo.sessions import Sessions, build_sessions, render_sessions
from demo.stores import stores_frame
from demo.support import Contacts, build_contacts, contact_ids, render_contacts
from demo.surveys import Responses, build_surveys, render_surveys
from demo.tables import CHUNK_ROWS, Table
from demo.timeline import Period
from ingest.contracts import CONTRACTS

DEFAULT_END = date(2026, 10, 31)
# Order headers only come from vendor exports that split an order over files (Olist); the demo's
# order lines carry their own order fields, as the canonical orders export does.
SOURCES = tuple(s for s in CONTRACTS if s != "order_headers")
# Rendered from the world's arrays a chunk of rows at a time (the others are a few hundred rows).
LARGE_SOURCES = ("orders", "customers", "contacts", "surveys", "sessions")
CUSTOMERS_PER_SCALE = 20_000
AGENTS_PER_SCALE = 30
# Independent random streams, so a change in one generator does not reshuffle the others.
_STREAMS = ("customers", "catalogue", "orders", "contacts", "surveys", "sessions", *SOURCES)


@dataclass
class World:
    period: Period
    customers: Customers
    catalogue: Catalogue
    orders: Orders
    contacts: Contacts
    responses: Responses
    sessions: Sessions
    baselines: dict[str, float]
    seed: int
    scale: float
    streams: dict[str, np.random.SeedSequence]


def build_world(scale: float = 1.0, seed: int = 42, end: date = DEFAULT_END) -> World:
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    streams = dict(zip(_STREAMS, np.random.SeedSequence(seed).spawn(len(_STREAMS)), strict=True))

    def rng(name: str) -> np.random.Generator:
        return np.random.default_rng(streams[name])

    period = Period.ending(end)
    effects = Effects(period)
    customers = build_customers(rng("customers"), max(50, round(CUSTOMERS_PER_SCALE * scale)), period)
    catalogue = build_catalogue(rng("catalogue"))
    orders = build_orders(rng("orders"), customers, catalogue, period)
    n_agents = max(12, round(AGENTS_PER_SCALE * scale))
    contacts = build_contacts(rng("contacts"), orders, customers, period, effects, n_agents)
    responses = build_surveys(rng("surveys"), orders, contacts, customers, period, effects)
    sessions = build_sessions(rng("sessions"), orders, period, effects, scale)
    lo, hi = day_ts(period, BASELINE_DAYS[0]), day_ts(period, BASELINE_DAYS[1] + 1)
    baselines = all_kpis(orders, contacts, responses, sessions, lo, hi)
    return World(period, customers, catalogue, orders, contacts, responses, sessions, baselines, seed, scale,
                 streams)


def id_texts(world: World) -> fmt.Ids:
    """Every customer, order and contact id, formatted once; the renderers look them up."""
    return fmt.Ids(
        customer=customer_ids(world.customers.number),
        order=order_ids(np.arange(1, world.orders.n + 1)),
        contact=contact_ids(np.arange(1, world.contacts.n + 1)),
    )


def render(world: World, source: str, ids: fmt.Ids | None = None, rows: np.ndarray | None = None,
           columns: list[str] | None = None) -> pl.DataFrame:
    """The clean text frame of one source (before bad rows): all rows, or only `rows` (0-based), and
    all columns in contract order, or only `columns`."""
    w = world
    if source in LARGE_SOURCES:
        ids = ids or id_texts(world)
    if source == "orders":
        return render_orders(w.orders, w.catalogue, ids, rows, columns)
    if source == "customers":
        return render_customers(w.customers, ids, rows, columns)
    if source == "contacts":
        return render_contacts(w.contacts, ids, rows, columns)
    if source == "surveys":
        return render_surveys(w.responses, ids, rows, columns)
    if source == "sessions":
        return render_sessions(w.sessions, ids, rows, columns)
    if source == "stores":
        frame = stores_frame()
    elif source == "roadmap":
        frame = roadmap_frame(w.period, w.baselines)
    elif source == "roadmap_checkins":
        frame = checkins_frame(w.period)
    elif source == "cost_assumptions":
        frame = cost_assumptions_frame(w.period)
    else:
        raise KeyError(source)
    frame = frame if rows is None else frame[rows]
    return frame if columns is None else frame.select(columns)


def table(world: World, source: str, ids: fmt.Ids, chunk_rows: int = CHUNK_ROWS) -> Table:
    """One source as a Table: the large ones render any rows on demand, the small ones whole."""
    names = CONTRACTS[source].names
    if source not in LARGE_SOURCES:
        return Table.of_frame(render(world, source, ids), chunk_rows)
    n = {
        "orders": len(world.orders.l_order),
        "customers": len(world.customers.sp_customer),
        "contacts": world.contacts.n,
        "surveys": world.responses.n,
        "sessions": world.sessions.n,
    }[source]
    return Table(n, names, lambda rows, columns: render(world, source, ids, rows, columns), chunk_rows)


class Export(NamedTuple):
    source: str
    chunks: Iterator[pl.DataFrame]  # the final text, bad rows included, chunk by chunk
    rows: int
    bad_rows: list[dict]  # manifest entries


def iter_exports(world: World, chunk_rows: int = CHUNK_ROWS) -> Iterator[Export]:
    """One source at a time. Its bad rows are planned from the full columns first (bad_rows.plan),
    then applied to each chunk, so the chunks joined are the whole frame, whatever `chunk_rows`."""
    ids = id_texts(world)
    for source in SOURCES:
        tab = table(world, source, ids, chunk_rows)
        plan = bad_rows.plan(tab, source, np.random.default_rng(world.streams[source]))
        yield Export(source, _final_chunks(tab, plan, source), tab.n, plan.entries)


def _final_chunks(tab: Table, plan: bad_rows.Plan, source: str) -> Iterator[pl.DataFrame]:
    for first, chunk in tab.chunks():
        assert chunk.columns == tab.names, (source, chunk.columns)
        assert all(dtype == pl.Utf8 for dtype in chunk.dtypes), (source, chunk.dtypes)
        yield plan.apply(chunk, first)


def generate(scale: float = 1.0, seed: int = 42, end: date = DEFAULT_END) -> dict[str, pl.DataFrame]:
    """Every source's export as text columns in contract order (nulls are empty cells)."""
    world = build_world(scale, seed, end)
    return {e.source: pl.concat(list(e.chunks)) for e in iter_exports(world, chunk_rows=1 << 62)}


def write_exports(out_dir: Path, scale: float = 1.0, seed: int = 42, end: date = DEFAULT_END,
                  progress=None, chunk_rows: int = CHUNK_ROWS) -> dict[str, Path]:
    """Write <source>.csv for every source and manifest.json (the seeded bad rows) into out_dir.

    Each file is written `chunk_rows` rows at a time (appended, the header once); the bytes do not
    depend on `chunk_rows`. `progress`, if given, is called with a short message before each step."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)
    say(f"simulating customers, orders, contacts, surveys and sessions (scale {scale:g})")
    world = build_world(scale, seed, end)
    paths: dict[str, Path] = {}
    files: dict[str, dict] = {}
    for export in iter_exports(world, chunk_rows):
        path = out_dir / f"{export.source}.csv"
        say(f"writing {path.name} ({export.rows:,} rows)")
        with path.open("wb") as out:
            for i, chunk in enumerate(export.chunks):
                chunk.write_csv(out, include_header=i == 0, line_terminator="\n", null_value="")
                del chunk
        paths[export.source] = path
        files[export.source] = {"file": path.name, "rows": export.rows, "bad_rows": export.bad_rows}
    manifest = {"seed": seed, "scale": scale, "end": end.isoformat(), "files": files}
    (out_dir / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")
    return paths


def manifest_text(manifest: dict) -> str:
    """JSON with one bad row per line (readable and diffable, and small at large scales)."""
    head = {k: v for k, v in manifest.items() if k != "files"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()] + ['  "files": {']
    sources = list(manifest["files"].items())
    for i, (source, f) in enumerate(sources):
        comma = "," if i < len(sources) - 1 else ""
        opening = f'    {json.dumps(source)}: {{"file": {json.dumps(f["file"])}, "rows": {f["rows"]}, '
        opening += '"bad_rows": ['
        if not f["bad_rows"]:
            lines.append(opening + "]}" + comma)
            continue
        lines.append(opening)
        lines.append(",\n".join(f"      {json.dumps(b)}" for b in f["bad_rows"]))
        lines.append("    ]}" + comma)
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"
