"""The dashboard's one door to the warehouse: the read-only Warehouse of the published snapshot
(one per snapshot, @st.cache_resource) and every query a page makes, cached per snapshot.

Each function below names the `Warehouse` method it calls, so go-to-definition leads from a page to
its SQL. `@query` does the rest, the same for all of them:
- the signed-in person's scope replaces the scope of every Filters argument and fills every `scope`
  parameter, whatever the page passed: a URL, a filter or an export cannot widen it, and nobody
  signed out gets a row (dashboard/auth.py);
- the result is cached (@st.cache_data) under the snapshot's name and the arguments, scope
  included. A new `cx build` publishes a new snapshot; the next run sees a new name, opens it,
  and stops hitting the old cache entries.

Settings reach this module from app.py (`configure`), never from the environment.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from config.settings import Settings
from dashboard import auth
from warehouse import snapshots, targets
from warehouse.api import Result, Warehouse
from warehouse.filters import Filters
from warehouse.targets import Targets

ROOT = Path(__file__).resolve().parents[1]
TTL_SECONDS = 3600
_settings = Settings()


def configure(settings: Settings) -> None:
    """app.py passes the settings it read from the environment."""
    global _settings
    _settings = settings


def settings() -> Settings:
    return _settings


def db_path() -> Path:
    """The ingest database (CX_DB); a relative path counts from the project folder."""
    db = _settings.db
    return db if db.is_absolute() else ROOT / db


def board_pack_dir() -> Path:
    return db_path().parent / "board_packs"


def snapshot_name() -> str | None:
    path = snapshots.current_snapshot(db_path())
    return str(path) if path else None


def targets_file() -> Path:
    path = _settings.targets
    return path if path.is_absolute() else ROOT / path


def current_targets() -> Targets:
    """The targets versions (config file + those saved beside the warehouse), read on every call:
    two small files, and a version the governance team saves applies at the next click."""
    return targets.load(db_path(), targets_file())


@st.cache_resource(max_entries=4, show_spinner=False)
def _open(snapshot: str, versions: Targets) -> Warehouse:
    return Warehouse(Path(snapshot), versions)


def warehouse() -> Warehouse | None:
    """The current snapshot's Warehouse, or None when nothing has been built yet."""
    name = snapshot_name()
    return _open(name, current_targets()) if name else None


def query(fn):
    """Make `fn(wh, *args)` a cached query of the current snapshot, in the viewer's scope."""
    takes_scope = "scope" in inspect.signature(fn).parameters

    def run(snapshot: str, versions: Targets, *args, **kwargs):
        return fn(_open(snapshot, versions), *args, **kwargs)

    # st.cache_data keys a function by its module and qualified name: each query gets its own
    run.__qualname__ = run.__name__ = f"{fn.__name__}_cached"
    cached = st.cache_data(ttl=TTL_SECONDS, max_entries=2000, show_spinner=False)(run)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        scope = auth.viewer().scope  # raises NotSignedIn: no data without a person
        args = tuple(replace(a, scope=scope) if isinstance(a, Filters) else a for a in args)
        kwargs = {k: replace(v, scope=scope) if isinstance(v, Filters) else v for k, v in kwargs.items()}
        if takes_scope:
            kwargs["scope"] = scope
        versions = current_targets()
        for attempt in range(3):
            name = snapshot_name()
            if name is None:
                raise RuntimeError("no published warehouse snapshot")
            try:
                return cached(name, versions, *args, **kwargs)
            except duckdb.IOException:
                # The snapshot was removed between reading CURRENT and opening it (publish keeps the
                # newest few, so only after two more builds): look CURRENT up again.
                if Path(name).exists() or attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    return call


# -- what the pages ask for ---------------------------------------------------------------
@query
def as_of(wh: Warehouse) -> date | None:
    return wh.as_of()


@query
def data_start(wh: Warehouse) -> date | None:
    return wh.data_start()


@query
def filter_options(wh: Warehouse, scope=None) -> dict:
    return wh.filter_options(scope)


@query
def freshness(wh: Warehouse) -> Result:
    return wh.freshness()


@query
def currency(wh: Warehouse) -> str | None:
    return wh.currency()


@query
def order_currencies(wh: Warehouse) -> list[str]:
    return wh.order_currencies()


@query
def coverage(wh: Warehouse) -> Result:
    return wh.coverage()


@query
def targets_in_effect(wh: Warehouse, f: Filters) -> dict:
    return wh.targets_in_effect(f)


@query
def metrics(wh: Warehouse, f: Filters, keys: list[str] | None = None) -> Result:
    return wh.metrics(f, keys)


@query
def metric_series(
    wh: Warehouse, f: Filters, keys: list[str], grain: str = "month", by: str | None = None
) -> Result:
    return wh.metric_series(f, keys, grain, by)


@query
def metrics_by(wh: Warehouse, f: Filters, by: str, keys: list[str] | None = None) -> Result:
    return wh.metrics_by(f, by, keys)


@query
def funnel(wh: Warehouse, f: Filters, by_channel: bool = False) -> Result:
    return wh.funnel(f, by_channel)


@query
def funnel_dropoffs(wh: Warehouse, f: Filters) -> Result:
    return wh.funnel_dropoffs(f)


@query
def stage_scores(wh: Warehouse, f: Filters) -> Result:
    return wh.stage_scores(f)


@query
def tier_performance(wh: Warehouse, f: Filters) -> Result:
    return wh.tier_performance(f)


@query
def tier_migration(wh: Warehouse, date_a: date, date_b: date, f: Filters) -> Result:
    return wh.tier_migration(date_a, date_b, f)


@query
def friction_costs(wh: Warehouse, f: Filters, assumptions: dict[str, float] | None = None) -> Result:
    return wh.friction_costs(f, assumptions)


@query
def friction_priorities(wh: Warehouse, f: Filters, assumptions: dict[str, float] | None = None) -> Result:
    return wh.friction_priorities(f, assumptions)


@query
def cost_assumptions(wh: Warehouse) -> Result:
    return wh.cost_assumptions()


@query
def roadmap(wh: Warehouse, f: Filters) -> Result:
    return wh.roadmap(f)


@query
def roadmap_health(wh: Warehouse) -> Result:
    return wh.roadmap_health()


@query
def roadmap_status_changes(wh: Warehouse, date_to: date) -> Result:
    return wh.roadmap_status_changes(date_to)


@query
def month_scorecard(wh: Warehouse, month: date, f: Filters) -> Result:
    return wh.month_scorecard(month, f)


@query
def month_emerging_themes(wh: Warehouse, month: date, f: Filters) -> Result:
    return wh.month_emerging_themes(month, f)


@query
def emerging_themes(wh: Warehouse, f: Filters) -> Result:
    """Comment themes growing beyond noise against the comparison period (the overview's alerts)."""
    return wh.voice_emerging_themes(f)


@query
def ingest_runs(wh: Warehouse) -> Result:
    return wh.ingest_runs()


@query
def file_loads(wh: Warehouse) -> Result:
    return wh.file_loads()


@query
def quality_by_rule(wh: Warehouse) -> Result:
    return wh.quality_by_rule()


@query
def quarantined_rows(
    wh: Warehouse, source: str | None = None, rule: str | None = None, limit: int = 1000, scope=None
) -> Result:
    return wh.quarantined_rows(source, rule, limit, scope)


@query
def explorable(wh: Warehouse) -> dict:
    return wh.explorable()


def explore(mart: str, group_by: list[str], measures: list[str], f: Filters) -> Result:
    """Refused (RowLimitExceeded) over CX_EXPLORE_ROW_LIMIT rows: DuckDB stops at limit + 1."""
    return _explore(mart, group_by, measures, f, _settings.explore_row_limit)


@query
def _explore(
    wh: Warehouse, mart: str, group_by: list[str], measures: list[str], f: Filters, limit: int
) -> Result:
    return wh.explore(mart, group_by, measures, f, limit=limit)


@query
def board_pack_figures(wh: Warehouse, month: date, f: Filters) -> dict:
    """The month's figures a board pack freezes (dashboard/board_pack.py collect)."""
    from dashboard import board_pack

    return board_pack.collect(wh, month, f)


def audit_log():
    """The audit log (warehouse/audit.py), newest first: read fresh on every run, not cached."""
    from warehouse import audit

    auth.viewer()  # nobody signed out reads it; the page itself is the governance team's
    return audit.read(db_path())


def save_targets(chosen: dict, effective_from: date, reason: str):
    """A new targets version from the Targets page, by the signed-in person (governance only)."""
    user = auth.viewer()
    if not user.can("targets"):
        raise PermissionError("only the governance team sets targets")
    return targets.save_version(db_path(), chosen, effective_from, user.email, reason)
