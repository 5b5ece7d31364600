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
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from config.settings import Settings
from dashboard import auth
from warehouse import followups, snapshots, targets
from warehouse.api import Result, VoicePage, Warehouse
from warehouse.filters import Filters
from warehouse.targets import Targets

ROOT = Path(__file__).resolve().parents[1]
TTL_SECONDS = 3600
SHARED_ENTRIES = 100
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
    """The targets versions (config file + those saved beside the warehouse), looked up on every
    call, so a version the governance team saves applies at the next click: the two files are
    read again only when their size or modification time changed (a page makes ~20 queries)."""
    db, file = db_path(), targets_file()
    return _targets_read(db, file, _stat(targets.store_path(db)), _stat(file))


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st_ = path.stat()
    except OSError:
        return None
    return st_.st_mtime_ns, st_.st_size


@functools.lru_cache(maxsize=8)
def _targets_read(db: Path, file: Path, _store_stat, _file_stat) -> Targets:
    return targets.load(db, file)


@st.cache_resource(max_entries=4, show_spinner=False)
def _open(snapshot: str, versions_key: str, _versions: Targets) -> Warehouse:
    return Warehouse(Path(snapshot), _versions)


def warehouse() -> Warehouse | None:
    """The current snapshot's Warehouse, or None when nothing has been built yet."""
    name = snapshot_name()
    versions = current_targets()
    return _open(name, _versions_key(versions), versions) if name else None


@functools.lru_cache(maxsize=8)
def _versions_key(versions: Targets) -> str:
    return repr(versions)


def query(fn=None, *, shared: bool = False):
    """Make `fn(wh, *args)` a cached query of the current snapshot, in the viewer's scope.

    A cached result is handed out as a copy (st.cache_data pickles it in and out), so no page can
    change what the next viewer gets. `shared=True` hands out the cached object itself
    (st.cache_resource), for the few results big enough that the copy costs each view more than
    the rest of its page (the follow-up list: 14,552 answers, 6 MB, ~35 ms a view at 10M order
    lines); the pages only derive new frames from those."""
    if fn is None:
        return functools.partial(query, shared=shared)
    takes_scope = "scope" in inspect.signature(fn).parameters

    def run(snapshot: str, versions_key: str, _versions: Targets, *args, **kwargs):
        # The cache key holds the targets as their repr (complete and deterministic: the versions
        # are frozen dataclasses of dates, strings and floats); `_versions` itself is not hashed:
        # Streamlit's hashing walks a dataclass object by object, which cost more than the query.
        return fn(_open(snapshot, versions_key, _versions), *args, **kwargs)

    # st.cache_data keys a function by its module and qualified name: each query gets its own
    run.__qualname__ = run.__name__ = f"{fn.__name__}_cached"
    if shared:  # big results: fewer kept (each filter combination's list is megabytes)
        cached = st.cache_resource(ttl=TTL_SECONDS, max_entries=SHARED_ENTRIES, show_spinner=False)(run)
    else:
        cached = st.cache_data(ttl=TTL_SECONDS, max_entries=2000, show_spinner=False)(run)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        scope = auth.viewer().scope  # raises NotSignedIn: no data without a person
        args = tuple(replace(a, scope=scope) if isinstance(a, Filters) else a for a in args)
        kwargs = {k: replace(v, scope=scope) if isinstance(v, Filters) else v for k, v in kwargs.items()}
        if takes_scope:
            kwargs["scope"] = scope
        versions = current_targets()
        versions_key = _versions_key(versions)
        for attempt in range(3):
            name = snapshot_name()
            if name is None:
                raise RuntimeError("no published warehouse snapshot")
            try:
                return cached(name, versions_key, versions, *args, **kwargs)
            except duckdb.IOException:
                # The snapshot was removed between reading CURRENT and opening it (publish keeps the
                # newest few, so only after two more builds): look CURRENT up again.
                if Path(name).exists() or attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    return call


# -- what the pages ask for ---------------------------------------------------------------
@query
def missing_models(wh: Warehouse) -> list[str]:
    return wh.missing_models()


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
def voice_themes(wh: Warehouse, f: Filters, by: str | None = None) -> Result:
    return wh.voice_themes(f, by)


@query
def voice_drivers(wh: Warehouse, f: Filters, metric: str) -> Result:
    return wh.voice_drivers(f, metric)


@query
def voice_emerging_themes(wh: Warehouse, f: Filters) -> Result:
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
def data_kept(wh: Warehouse) -> Result:
    return wh.data_kept()


def retention_file() -> Path:
    path = _settings.retention
    return path if path.is_absolute() else ROOT / path


def retention(data_kept: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """The retention policy in force (CX_RETENTION over the defaults, read on every call) beside the
    oldest data kept of each kind (`data_kept`: the snapshot's, data_kept(); the audit log's oldest
    month from its folder), and where the policy comes from. RetentionError for a policy file that
    cannot be used."""
    from config.retention import KINDS, load_policy
    from ops.retention import oldest_audit

    policy = load_policy(retention_file())
    kept = {r["data_kind"]: r for r in data_kept.to_dicts()}
    rows = []
    for kind, (what, counted_from) in KINDS.items():
        row = kept.get(kind, {})
        oldest = row.get("oldest_at")
        if kind == "audit":
            oldest = oldest_audit(db_path())
        rows.append(
            {
                "data_kind": kind,
                "what": what,
                "age_from": counted_from,
                "kept_for": policy.describe(kind),
                "oldest_kept": None if oldest is None else str(oldest)[:19],
                "count_rows": row.get("count_rows"),
            }
        )
    schema = {"data_kind": pl.Utf8, "what": pl.Utf8, "age_from": pl.Utf8, "kept_for": pl.Utf8}
    schema |= {"oldest_kept": pl.Utf8, "count_rows": pl.Int64}
    origin = "the defaults" if policy.origin == "defaults" else Path(policy.origin).name
    return pl.DataFrame(rows, schema=schema), origin


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


# -- closing the loop: follow-up statuses, in the store beside the warehouse (warehouse/followups.py)
def follow_up_store_path() -> Path:
    return followups.store_path(db_path())


def follow_up_list_later(f: Filters) -> Callable[[], pl.DataFrame]:
    """follow_up_list for a file made when its button is clicked: that may run outside the script
    run, where there is no session to read the viewer from, so the viewer's scope and the
    snapshot are taken now (not cached: a click is rare, and the list is big)."""
    scoped = replace(f, scope=auth.viewer().scope)
    wh = warehouse()
    if wh is None:
        raise RuntimeError("no published warehouse snapshot")
    return lambda: wh.follow_up_list(scoped).frame


def voice_page(f: Filters, eager_rows: int, shown_max: int) -> VoicePage:
    """The voice page's default view at once (Warehouse.voice_page: its queries two at a time):
    what customers say, and the follow-up list with its rates and the answers shown. Cached per
    snapshot and per version of the store: a status saved in any process shows at the next run."""
    return _voice_page(f, followups.read_version(follow_up_store_path()), eager_rows, shown_max)


@query(shared=True)
def _voice_page(wh: Warehouse, f: Filters, store_version: int, eager_rows: int, shown_max: int) -> VoicePage:
    return wh.voice_page(f, eager_rows, shown_max)


def follow_up_rows(f: Filters, status: str | None, limit: int) -> Result:
    """The newest `limit` answers of the list with `status`, whole rows: what the page's table and
    status picker show when a status is chosen on a long list (cached as voice_page)."""
    return _follow_up_rows(f, followups.read_version(follow_up_store_path()), status, limit)


@query(shared=True)
def _follow_up_index(wh: Warehouse, f: Filters, store_version: int) -> Result:
    return wh.follow_up_index(f)


@query
def _follow_up_rows(wh: Warehouse, f: Filters, store_version: int, status: str | None, limit: int) -> Result:
    return wh.follow_up_rows(f, _follow_up_index(f, store_version).frame, status, limit)


def _check_on_list(user, response_id: str) -> None:
    wh = warehouse()
    if wh is None or not wh.follow_up_allows(response_id, user.scope):
        raise PermissionError("this answer is not on a follow-up list you see")


def follow_up_history(response_id: str):
    """Every status set on an answer of the viewer's list, oldest first (read fresh)."""
    user = auth.viewer()
    _check_on_list(user, response_id)
    path = follow_up_store_path()
    if not path.exists():
        return followups.empty_history()
    with followups.FollowUpStore(path, create=False) as store:
        return store.history(response_id)


def set_follow_up(response_id: str, status: str, note: str = "") -> dict:
    """Record a follow-up status by the signed-in person: only a role with the `follow_up` write
    (config/access.py), only for an answer on their scope's list (checked here, on the server,
    whatever the page sent), audited (the note stays in the store, not in the audit log)."""
    user = auth.viewer()
    if not user.can("follow_up"):
        raise PermissionError("your role reads the follow-up list; it does not set statuses")
    _check_on_list(user, response_id)
    with followups.FollowUpStore(follow_up_store_path()) as store:
        row = store.set_status(response_id, status, user.email, note)
    auth.record(None, "follow_up", detail=f"{response_id}: {status}")
    return row
