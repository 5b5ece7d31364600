"""The dashboard's one door to the warehouse: the read-only Warehouse of the published snapshot
(one per snapshot, @st.cache_resource) and every query through @st.cache_data, keyed by the
snapshot's name and scalar filter values. A new `cx build` publishes a new snapshot; the next run
sees a new name, opens it, and stops hitting the old cache entries.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from cli.settings import Settings, db_from_env
from dashboard.state import FilterKey, from_key, to_key
from warehouse import snapshots
from warehouse.api import Result, Warehouse
from warehouse.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
TTL_SECONDS = 3600


def db_path() -> Path:
    """CX_DB (default data/warehouse.duckdb); a relative path counts from the project folder."""
    db = db_from_env()
    return db if db.is_absolute() else ROOT / db


def board_pack_dir() -> Path:
    return db_path().parent / "board_packs"


def snapshot_name() -> str | None:
    path = snapshots.current_snapshot(db_path())
    return str(path) if path else None


@st.cache_resource(max_entries=2, show_spinner=False)
def _open(snapshot: str) -> Warehouse:
    return Warehouse(Path(snapshot))


def warehouse() -> Warehouse | None:
    """The current snapshot's Warehouse, or None when nothing has been built yet."""
    name = snapshot_name()
    return _open(name) if name else None


@st.cache_data(ttl=TTL_SECONDS, max_entries=2000, show_spinner=False)
def _call(snapshot: str, method: str, args: tuple, kwargs: tuple):
    wh = _open(snapshot)
    real_args = [from_key(a) if isinstance(a, FilterKey) else a for a in args]
    real_kwargs = {k: from_key(v) if isinstance(v, FilterKey) else v for k, v in kwargs}
    return getattr(wh, method)(*real_args, **real_kwargs)


def _q(method: str, *args, **kwargs):
    key_args = tuple(_scalar(a) for a in args)
    key_kwargs = tuple(sorted((k, _scalar(v)) for k, v in kwargs.items()))
    for attempt in range(3):
        name = snapshot_name()
        if name is None:
            raise RuntimeError("no published warehouse snapshot")
        try:
            return _call(name, method, key_args, key_kwargs)
        except duckdb.IOException:
            # The snapshot was removed between reading CURRENT and opening it (publish keeps the
            # newest few, so only after two more builds): look CURRENT up again.
            if Path(name).exists() or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _scalar(value):
    if isinstance(value, Filters):
        return to_key(value)
    if isinstance(value, list):
        return tuple(value)
    return value


# -- what the pages ask for ---------------------------------------------------------------
def as_of() -> date | None:
    return _q("as_of")


def data_start() -> date | None:
    return _q("data_start")


def filter_options() -> dict:
    return _q("filter_options")


def freshness() -> Result:
    return _q("freshness")


def currency() -> str | None:
    return _q("currency")


def order_currencies() -> list[str]:
    return _q("order_currencies")


def coverage() -> Result:
    return _q("coverage")


def missing_by_metric() -> dict[str, str]:
    """metric -> what it needs that this warehouse does not hold at all (e.g. "support contacts")."""
    out: dict[str, str] = {}
    for row in coverage().frame.to_dicts():
        if not row["count_rows"]:
            for key in row["metrics"]:
                out.setdefault(key, row["label"])
    return out


def metrics(f: Filters, keys: list[str] | None = None) -> Result:
    return _q("metrics", f, keys)


def metric_series(f: Filters, keys: list[str], grain: str = "month", by: str | None = None) -> Result:
    return _q("metric_series", f, keys, grain, by)


def metrics_by(f: Filters, by: str, keys: list[str] | None = None) -> Result:
    return _q("metrics_by", f, by, keys)


def funnel(f: Filters, by_channel: bool = False) -> Result:
    return _q("funnel", f, by_channel)


def funnel_dropoffs(f: Filters) -> Result:
    return _q("funnel_dropoffs", f)


def stage_scores(f: Filters) -> Result:
    return _q("stage_scores", f)


def tier_performance(f: Filters) -> Result:
    return _q("tier_performance", f)


def tier_migration(date_a: date, date_b: date, f: Filters) -> Result:
    return _q("tier_migration", date_a, date_b, f)


def friction_costs(f: Filters, assumptions: dict[str, float] | None = None) -> Result:
    return _q("friction_costs", f, _assumptions(assumptions))


def friction_priorities(f: Filters, assumptions: dict[str, float] | None = None) -> Result:
    return _q("friction_priorities", f, _assumptions(assumptions))


def _assumptions(assumptions):
    return dict(sorted(assumptions.items())) if assumptions else None


def cost_assumptions() -> Result:
    return _q("cost_assumptions")


def roadmap() -> Result:
    return _q("roadmap")


def roadmap_health() -> Result:
    return _q("roadmap_health")


def roadmap_status_changes(date_to: date) -> Result:
    return _q("roadmap_status_changes", date_to)


def month_scorecard(month: date, f: Filters) -> Result:
    return _q("month_scorecard", month, f)


def ingest_runs() -> Result:
    return _q("ingest_runs")


def file_loads() -> Result:
    return _q("file_loads")


def quality_by_rule() -> Result:
    return _q("quality_by_rule")


def quarantined_rows(source: str | None = None, rule: str | None = None, limit: int = 1000) -> Result:
    return _q("quarantined_rows", source, rule, limit)


def explorable() -> dict:
    return _q("explorable")


def explore(mart: str, group_by: list[str], measures: list[str], f: Filters) -> Result:
    """Refused (RowLimitExceeded) over CX_EXPLORE_ROW_LIMIT rows: DuckDB stops at limit + 1."""
    return _q("explore", mart, group_by, measures, f, limit=Settings.from_env().explore_row_limit)
