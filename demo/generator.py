"""Seeded demo exports: a realistic set of retailer exports in the canonical CSV format.

    generate(scale, seed, end) -> {source: DataFrame of text columns, exactly as written}
    write_exports(out_dir, scale, seed, end) -> {source: path of <source>.csv}, plus manifest.json

The world is simulated in independent blocks of customers (CUSTOMERS_PER_BLOCK, split evenly): each
block simulates its customers and tier spells, their orders and lines (and the block's share of
anonymous orders), contacts, survey answers and sessions as numpy arrays (see the modules of this
package), from its own random streams derived from (seed, block index). Each block's rows of every
large export are then given the block's seeded bad rows (bad_rows.plan, drawn from the block's own
columns) and appended to that export's file a chunk of rows at a time (tables.py), before the next
block is simulated. Memory holds one block and one chunk, whatever the scale; ids run on across
blocks (a block's customers, orders, contacts, tickets, answers and sessions are numbered after the
previous blocks'), and each file holds its blocks one after the other (rows in time order within a
block). Only small things are global: the period, the catalogue, the agent pool, the roadmap's
baselines (added up as KPI parts over the blocks, demo/kpis.py) and the small exports written at
the end. Same seed, scale and end give byte-identical files, whatever the chunk size; everything
scales linearly with `scale` (1.0 = ~200k order lines).
"""

from __future__ import annotations

import json
import math
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
from demo.kpis import add_parts, all_parts, kpis_of
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
# Simulated block by block and written a chunk of rows at a time (the others are a few hundred rows).
LARGE_SOURCES = ("orders", "customers", "contacts", "surveys", "sessions")
SMALL_SOURCES = tuple(s for s in SOURCES if s not in LARGE_SOURCES)
CUSTOMERS_PER_SCALE = 20_000
AGENTS_PER_SCALE = 30
# Customers simulated at a time (~490k order lines). Measured peak RSS of write_exports: see
# bench/run.py GENERATOR_PEAK_GB; a block's world is ~0.1 GB, its rendered chunks and bad-row plans
# the rest. Changing it changes the data (the blocks' random streams), not its shape.
CUSTOMERS_PER_BLOCK = 50_000
# Independent random streams, so a change in one generator does not reshuffle the others: the
# catalogue's from the seed, the rest per block from (seed, BLOCK_KEY, block index).
_BLOCK_STREAMS = ("customers", "orders", "contacts", "surveys", "sessions", *LARGE_SOURCES)
BLOCK_KEY = 1 << 20  # a spawn key no child of SeedSequence(seed).spawn() has


def block_sizes(scale: float) -> list[int]:
    """Customers per block: max(50, 20,000 x scale) split evenly into blocks of at most
    CUSTOMERS_PER_BLOCK (so no block is tiny)."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    n = max(50, round(CUSTOMERS_PER_SCALE * scale))
    k = math.ceil(n / CUSTOMERS_PER_BLOCK)
    return [n // k + (i < n % k) for i in range(k)]


@dataclass(frozen=True)
class Setting:
    """What every block shares: the period, the launches' effects, the catalogue and agent pool."""

    period: Period
    effects: Effects
    catalogue: Catalogue
    n_agents: int
    seed: int
    scale: float

    @classmethod
    def of(cls, scale: float, seed: int, end: date) -> Setting:
        period = Period.ending(end)
        # The catalogue's stream is the one it had when the world was built whole (child 1 of the seed).
        catalogue = build_catalogue(np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))))
        return cls(period, Effects(period), catalogue, max(12, round(AGENTS_PER_SCALE * scale)), seed, scale)


class Numbers(NamedTuple):
    """Ids used before a block (its ids continue from these)."""

    customers: int = 0
    orders: int = 0
    contacts: int = 0
    tickets: int = 0
    responses: int = 0
    sessions: int = 0


FIRST = Numbers()  # before the first block


@dataclass
class Block:
    index: int
    setting: Setting
    before: Numbers
    customers: Customers
    orders: Orders
    contacts: Contacts
    responses: Responses
    sessions: Sessions
    streams: dict[str, np.random.SeedSequence]

    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng(self.streams[name])

    @property
    def after(self) -> Numbers:
        """The numbers used before the next block."""
        b = self.before
        tickets = int(self.contacts.ticket.max()) if self.contacts.n else 0
        return Numbers(
            b.customers + self.customers.n,
            b.orders + self.orders.n,
            b.contacts + self.contacts.n,
            b.tickets + tickets,
            b.responses + self.responses.n,
            b.sessions + self.sessions.n,
        )

    def rows(self, source: str) -> int:
        return {
            "orders": len(self.orders.l_order),
            "customers": len(self.customers.sp_customer),
            "contacts": self.contacts.n,
            "surveys": self.responses.n,
            "sessions": self.sessions.n,
        }[source]

    def ids(self) -> fmt.Ids:
        """The block's customer, order and contact ids, formatted once; the renderers look them up."""
        b = self.before
        return fmt.Ids(
            customer=customer_ids(self.customers.number),
            order=order_ids(b.orders + np.arange(1, self.orders.n + 1)),
            contact=contact_ids(b.contacts + np.arange(1, self.contacts.n + 1)),
            tickets_before=b.tickets,
            responses_before=b.responses,
            sessions_before=b.sessions,
        )

    def baseline_parts(self) -> dict[str, float]:
        """The block's share of the roadmap's baselines (KPI parts over the diagnose phase)."""
        period = self.setting.period
        lo, hi = day_ts(period, BASELINE_DAYS[0]), day_ts(period, BASELINE_DAYS[1] + 1)
        return all_parts(self.orders, self.contacts, self.responses, self.sessions, lo, hi)


def build_block(setting: Setting, index: int, n_customers: int, before: Numbers = FIRST) -> Block:
    """The world of one block of customers: the same for a block index whatever came before it
    (`before` only numbers its ids)."""
    seq = np.random.SeedSequence(setting.seed, spawn_key=(BLOCK_KEY, index))
    streams = dict(zip(_BLOCK_STREAMS, seq.spawn(len(_BLOCK_STREAMS)), strict=True))

    def rng(name: str) -> np.random.Generator:
        return np.random.default_rng(streams[name])

    s, period = setting, setting.period
    customers = build_customers(rng("customers"), n_customers, period)
    customers.number = customers.number + before.customers
    orders = build_orders(rng("orders"), customers, s.catalogue, period)
    contacts = build_contacts(rng("contacts"), orders, customers, period, s.effects, s.n_agents)
    responses = build_surveys(rng("surveys"), orders, contacts, customers, period, s.effects)
    sessions = build_sessions(rng("sessions"), orders, period, s.effects, n_customers / CUSTOMERS_PER_SCALE)
    return Block(index, setting, before, customers, orders, contacts, responses, sessions, streams)


def iter_blocks(scale: float = 1.0, seed: int = 42, end: date = DEFAULT_END) -> Iterator[Block]:
    """The blocks in order, each built when asked for (hold one at a time)."""
    setting = Setting.of(scale, seed, end)
    before = FIRST
    for index, n in enumerate(block_sizes(scale)):
        block = build_block(setting, index, n, before)
        before = block.after
        yield block
        del block  # before the next one is built


def render(
    block: Block,
    source: str,
    ids: fmt.Ids | None = None,
    rows: np.ndarray | None = None,
    columns: list[str] | None = None,
) -> pl.DataFrame:
    """The clean text frame of one large source of a block (before bad rows): all its rows, or only
    `rows` (0-based within the block), all columns in contract order, or only `columns`."""
    b = block
    ids = ids or b.ids()
    if source == "orders":
        return render_orders(b.orders, b.setting.catalogue, ids, rows, columns)
    if source == "customers":
        return render_customers(b.customers, ids, rows, columns)
    if source == "contacts":
        return render_contacts(b.contacts, ids, rows, columns)
    if source == "surveys":
        return render_surveys(b.responses, ids, rows, columns)
    if source == "sessions":
        return render_sessions(b.sessions, ids, rows, columns)
    raise KeyError(source)


def small_frame(setting: Setting, source: str, baselines: dict[str, float]) -> pl.DataFrame:
    """A small export, whole (the roadmap needs the baselines measured over every block)."""
    period = setting.period
    if source == "stores":
        return stores_frame()
    if source == "roadmap":
        return roadmap_frame(period, baselines)
    if source == "roadmap_checkins":
        return checkins_frame(period)
    if source == "cost_assumptions":
        return cost_assumptions_frame(period)
    raise KeyError(source)


def table(block: Block, source: str, ids: fmt.Ids, chunk_rows: int = CHUNK_ROWS) -> Table:
    """One large source of a block as a Table that renders any rows on demand."""
    return Table(
        block.rows(source),
        CONTRACTS[source].names,
        lambda rows, columns: render(block, source, ids, rows, columns),
        chunk_rows,
    )


class Piece(NamedTuple):
    """A run of one export's rows: a block's rows of a large source, or a whole small source."""

    source: str
    block: int  # block index, -1 for a small source
    first_row: int  # rows of this export before the piece
    rows: int
    chunks: Iterator[pl.DataFrame]  # the final text, bad rows included, chunk by chunk
    bad_rows: list[dict]  # manifest entries, row numbers within the whole file


def iter_pieces(
    scale: float = 1.0, seed: int = 42, end: date = DEFAULT_END, chunk_rows: int = CHUNK_ROWS, progress=None
) -> Iterator[Piece]:
    """Every export piece by piece: per block, the block's rows of each large source (its bad rows
    planned from the block's full columns, then applied to each chunk, so the chunks joined are the
    block's whole frame, whatever `chunk_rows`), then the small sources. Consume each piece's
    chunks before asking for the next piece."""
    say = progress or (lambda message: None)
    sizes = block_sizes(scale)
    written = dict.fromkeys(SOURCES, 0)
    parts: dict[str, float] = {}
    setting = None
    for block in iter_blocks(scale, seed, end):
        setting = block.setting
        say(
            f"block {block.index + 1}/{len(sizes)}: {block.customers.n:,} customers, "
            f"{block.rows('orders'):,} order lines"
        )
        parts = add_parts(parts, block.baseline_parts())
        ids = block.ids()
        for source in LARGE_SOURCES:
            tab = table(block, source, ids, chunk_rows)
            plan = bad_rows.plan(tab, source, block.rng(source))
            first = written[source]
            entries = [{**e, "row_number": e["row_number"] + first} for e in plan.entries]
            yield Piece(source, block.index, first, tab.n, _final_chunks(tab, plan, source), entries)
            written[source] += tab.n
        del block, ids, tab, plan
    baselines = kpis_of(parts)
    for source in SMALL_SOURCES:
        tab = Table.of_frame(small_frame(setting, source, baselines), chunk_rows)
        yield Piece(source, -1, 0, tab.n, _final_chunks(tab, bad_rows.Plan([], {}), source), [])


def _final_chunks(tab: Table, plan: bad_rows.Plan, source: str) -> Iterator[pl.DataFrame]:
    for first, chunk in tab.chunks():
        assert chunk.columns == tab.names, (source, chunk.columns)
        assert all(dtype == pl.Utf8 for dtype in chunk.dtypes), (source, chunk.dtypes)
        yield plan.apply(chunk, first)


def generate(scale: float = 1.0, seed: int = 42, end: date = DEFAULT_END) -> dict[str, pl.DataFrame]:
    """Every source's export as text columns in contract order (nulls are empty cells); holds every
    export in memory (for tests and small scales)."""
    frames: dict[str, list[pl.DataFrame]] = {s: [] for s in SOURCES}
    for piece in iter_pieces(scale, seed, end, chunk_rows=1 << 62):
        frames[piece.source].extend(piece.chunks)
    return {source: pl.concat(chunks) for source, chunks in frames.items()}


def write_exports(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    end: date = DEFAULT_END,
    progress=None,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, Path]:
    """Write <source>.csv for every source and manifest.json (the seeded bad rows) into out_dir.

    Every file stays open while the blocks are simulated; each block's rows are appended
    `chunk_rows` rows at a time (the header once); the bytes do not depend on `chunk_rows`. The
    manifest's bad rows are kept in a scratch file per source, not in memory, and joined at the end.
    `progress`, if given, is called with a short message before each step."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)
    say(f"simulating customers, orders, contacts, surveys and sessions (scale {scale:g})")
    paths = {source: out_dir / f"{source}.csv" for source in SOURCES}
    scratch = {source: out_dir / f".manifest-{source}.part" for source in SOURCES}
    rows = dict.fromkeys(SOURCES, 0)
    outs = {source: paths[source].open("wb") for source in SOURCES}
    notes = {source: scratch[source].open("w", encoding="utf-8") for source in SOURCES}
    try:
        for piece in iter_pieces(scale, seed, end, chunk_rows, say):
            out = outs[piece.source]
            for chunk in piece.chunks:
                header = out.tell() == 0
                if chunk.height or header:
                    chunk.write_csv(out, include_header=header, line_terminator="\n", null_value="")
                del chunk
            rows[piece.source] += piece.rows
            for entry in piece.bad_rows:
                notes[piece.source].write(json.dumps(entry) + "\n")
    finally:
        for f in (*outs.values(), *notes.values()):
            f.close()
    say("writing manifest.json")
    head = {"seed": seed, "scale": scale, "end": end.isoformat()}
    with (out_dir / "manifest.json").open("w", encoding="utf-8") as manifest:
        for line in manifest_lines(head, {s: (paths[s].name, rows[s], scratch[s]) for s in SOURCES}):
            manifest.write(line)
    for path in scratch.values():
        path.unlink()
    return paths


def manifest_lines(head: dict, files: dict[str, tuple[str, int, Path]]) -> Iterator[str]:
    """manifest.json as JSON with one bad row per line (readable and diffable, and small at large
    scales), its bad rows read from each source's scratch file (one JSON object a line)."""
    yield "{\n"
    for k, v in head.items():
        yield f"  {json.dumps(k)}: {json.dumps(v)},\n"
    yield '  "files": {\n'
    for i, (source, (name, n, entries)) in enumerate(files.items()):
        comma = "," if i < len(files) - 1 else ""
        opening = f'    {json.dumps(source)}: {{"file": {json.dumps(name)}, "rows": {n}, "bad_rows": ['
        with entries.open(encoding="utf-8") as lines:
            first = True
            for line in lines:
                yield (opening + "\n" if first else ",\n") + "      " + line.rstrip("\n")
                first = False
        yield (opening + "]}" if first else "\n    ]}") + comma + "\n"
    yield "  }\n}\n"
