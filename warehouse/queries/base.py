"""The base of the query API: the read-only connection to a published snapshot, the Result every
query returns (a Polars frame with the SQL it ran and its bound parameters, so "the SQL behind a
number" can always be shown), `snapshot_constant` for what a snapshot can never change, and what
every page's frame needs (the data window, the currency, the filter options).

The connection is read-only, on the published snapshot (warehouse/snapshots.py). One cursor per
query: DuckDB 2.0 leaves a result-set bound to its cursor, and Streamlit sessions share one
connection.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse import snapshots, targets
from warehouse.filters import DEFAULT_DAYS, DIMENSIONS, Filters
from warehouse.metrics import Metric, customer_window_sql
from warehouse.periods import PeriodValues
from warehouse.scope import EVERYTHING, Scope
from warehouse.targets import Targets

# DuckDB warns that Arrow output of an execute() result copies the rows: ours are a page's
# aggregates, and the copy is cheaper than binding the statement a second time (run()).
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
NO_TARGETS = Targets()

# Queries of one call run this many at a time (Warehouse.run_all): the machine's 2 cores.
QUERY_LANES = 2
DAILY_MARTS = ("mart_daily_orders", "mart_daily_contacts", "mart_daily_surveys", "mart_daily_sessions")


def snapshot_constant(method):
    """Memoise an argument-free query method per Warehouse. A snapshot is never written once
    published (it is opened read-only and a new build is a new file, so a new Warehouse), so what
    such a method returns cannot change: the data window, the filter options, the freshness line,
    the cost assumptions, the roadmap, the ingest log. Callers get a copy, the memo stays intact."""

    @functools.wraps(method)
    def memoised(self):
        key = method.__name__
        with self._lock:
            found = key in self._constants
            value = self._constants.get(key)
        if not found:
            value = method(self)
            with self._lock:
                self._constants[key] = value
        return _copy(value)

    return memoised


def _copy(value):
    if isinstance(value, Result):
        return Result(value.frame, value.sql, copy.deepcopy(value.params))
    return copy.deepcopy(value)  # dicts and lists; polars frames are immutable and not deep-copied


class NoWarehouse(Exception):
    """No published snapshot yet: nothing has been ingested and built."""


@dataclass
class Result:
    frame: pl.DataFrame
    sql: str
    params: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.frame.height == 0


class BaseWarehouse:
    """Connection, period resolution and the page frame's constants; the modules beside this one
    add each page's queries and warehouse.api.Warehouse puts them together."""

    def __init__(self, snapshot: Path, targets: Targets = NO_TARGETS):
        self.snapshot = Path(snapshot)
        self.targets = targets  # the retailer's targets and thresholds (warehouse/targets.py)
        self._con = duckdb.connect(str(self.snapshot), read_only=True)
        self._lock = threading.Lock()
        self._constants: dict = {}  # @snapshot_constant results
        self._period_values = PeriodValues(self)  # metric values per mart and period (LRU)

    @classmethod
    def open(cls, db: Path, targets_file: Path | None = None):
        """The published snapshot of `db`, read-only, with the targets saved beside `db` and those
        of `targets_file`. A snapshot removed between reading CURRENT and opening it (publish keeps
        the newest few, so only after two more builds) is looked up again."""
        loaded = targets.load(Path(db), targets_file)
        for attempt in range(3):
            snapshot = snapshots.current_snapshot(Path(db))
            if snapshot is None:
                raise NoWarehouse(
                    f"no built warehouse for {db}: run `cx demo` for demo data, "
                    "or `cx ingest FILES` to load exports"
                )
            try:
                wh = cls(snapshot, loaded)
            except duckdb.IOException:
                if snapshot.exists() or attempt == 2:
                    raise
                continue
            if missing := wh._missing_models():  # the app shows its own page for this (app.py)
                wh.close()
                raise NoWarehouse(
                    f"the warehouse of {db} was built by an older version (its "
                    f"{', '.join(missing)} missing or built by older SQL): run `cx build`"
                )
            return wh
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._con.close()

    # -- plumbing -------------------------------------------------------------------------
    def run(self, sql: str, params: dict | None = None) -> Result:
        with self._lock:
            cursor = self._con.cursor()
        try:
            # execute() binds the statement once; sql().pl() binds it twice (DuckDB 2.0's relation
            # layer captures it first): a third of a small metric query's time. The result goes to
            # Polars through Arrow, as .pl() does (same dtypes).
            result = cursor.execute(sql, params or {})
            frame = pl.from_arrow(result.to_arrow_reader().read_all())
        finally:
            cursor.close()
        return Result(frame, sql.strip(), dict(params or {}))

    def run_all(self, queries: list[tuple[str, dict]]) -> list[Result]:
        """run() each query, QUERY_LANES at a time, the results in the queries' order. A query's
        parsing, binding and planning (about 5 ms of a metric query's 10-15 at 10M order lines) run
        on one core, so two queries at once keep both cores busy. The threads are this call's own:
        one viewer's queries never wait behind another's."""
        return self.gather(*(functools.partial(self.run, sql, params) for sql, params in queries))

    def gather(self, *calls: Callable[[], Any]) -> list[Any]:
        """Call each of `calls` (queries, or independent query methods of one page view, bound to
        their arguments), QUERY_LANES at a time on threads of this call's own, the results in
        their order; run_all's way for a page's several calls (Warehouse.voice_page)."""
        if len(calls) < 2:
            return [call() for call in calls]
        with ThreadPoolExecutor(max_workers=min(QUERY_LANES, len(calls))) as pool:
            return [future.result() for future in [pool.submit(call) for call in calls]]

    def scalar(self, sql: str, params: dict | None = None):
        frame = self.run(sql, params).frame
        return frame.item(0, 0) if frame.height else None

    # -- period ---------------------------------------------------------------------------
    @snapshot_constant
    def as_of(self) -> date | None:
        """The latest day with orders, contacts, answers or sessions: the data's "today", as the
        build took it (mart_preset_periods, whose periods end on it; none without any activity)."""
        return self.scalar("select max(date_to) from mart_preset_periods")

    @snapshot_constant
    def data_start(self) -> date | None:
        sql = " union all ".join(f"select min(activity_date) as d from {m}" for m in DAILY_MARTS)
        return self.scalar(f"select min(d) from ({sql})")

    def resolve(self, filters: Filters) -> Filters:
        """Fill a missing period with the last DEFAULT_DAYS days up to the data's as-of date."""
        if filters.date_from and filters.date_to:
            return filters
        end = filters.date_to or self.as_of() or date.today()
        start = filters.date_from or end - timedelta(days=DEFAULT_DAYS - 1)
        return replace(filters, date_from=start, date_to=end)

    @snapshot_constant
    def order_currencies(self) -> list[str]:
        """The currencies of the order lines, as exported."""
        frame = self.run("select currency_code as code from mart_order_currencies order by 1").frame
        return frame["code"].to_list()

    def currency(self) -> str | None:
        """The one currency money is in (warehouse/money.py); None when the orders name none or several."""
        codes = self.order_currencies()
        return codes[0] if len(codes) == 1 else None

    # -- metrics --------------------------------------------------------------------------
    @snapshot_constant
    def assumptions(self) -> dict[str, float]:
        frame = self.run("select setting, setting_value from dim_cost_assumptions").frame
        return dict(zip(frame["setting"].to_list(), frame["setting_value"].to_list(), strict=True))

    @snapshot_constant
    def max_customer_key(self) -> int | None:
        """mart_customer_daily's largest customer_key: the size of its customer bitmaps."""
        return self.scalar("select max(customer_key) from mart_customer_daily")

    @snapshot_constant
    def missing_models(self) -> list[str]:
        """The project's models this snapshot lacks, or holds as an older version's SQL made them:
        it was built by an older version, and the pages that read them cannot answer (or would
        read columns that are not there) until `cx build` builds them."""
        return self._missing_models()

    def _missing_models(self) -> list[str]:
        # only when a snapshot is opened
        from warehouse.incremental import read_state, sql_hash  # noqa: PLC0415
        from warehouse.project import load_models  # noqa: PLC0415

        models = load_models()
        tables = self.run(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        ).frame["table_name"]
        missing = set(models) - set(tables.to_list())
        # The build state records each model's SQL as built (warehouse/incremental.py): a model
        # whose SQL this version changed may lack a column the queries read. A snapshot without
        # state (a Spark build) is judged by its tables alone.
        with self._lock:
            cursor = self._con.cursor()
        try:
            state = read_state(cursor)
        finally:
            cursor.close()
        if state is not None:
            built = state.get("models", {})
            zone = state.get("time_zone", "UTC")
            missing |= {n for n, m in models.items() if built.get(n) != sql_hash(m, zone)}
        return sorted(missing)

    def customer_window_sql(
        self, metrics: list[Metric], filters: Filters, group_by: tuple[str, ...] = ()
    ) -> tuple[str, dict]:
        """Churn and CLV's SQL for `filters` (resolved) on this snapshot: its churn window setting,
        customer bitmap size and the period ends built into mart_customer_periods
        (warehouse/metrics.py customer_window_sql)."""
        window = int(self.assumptions().get("churn_window_days", 180))
        ends = self.customer_period_ends()
        if not self.has_customer_year(filters.date_to):
            # no customer is counted; mart_customer_periods holds that answer too (no rows at that
            # end), read in no time
            ends = ends | {filters.date_to}
        return customer_window_sql(metrics, filters, window, group_by, self.max_customer_key(), ends)

    @snapshot_constant
    def first_purchase_date(self) -> date | None:
        """mart_customer_daily's first day: churn and CLV need 12 months of purchases after it."""
        return self.scalar("select min(activity_date) from mart_customer_daily")

    def has_customer_year(self, date_to: date) -> bool:
        """Whether the purchases cover the 12 months up to `date_to` (customer_window.sql's rule)."""
        first = self.first_purchase_date()
        return first is not None and first <= date_to - timedelta(days=364)

    @snapshot_constant
    def customer_period_ends(self) -> frozenset[date]:
        """The period ends mart_customer_periods holds churn and CLV's customers for."""
        frame = self.run("select distinct period_end_date from mart_customer_periods").frame
        return frozenset(frame["period_end_date"].to_list())

    @snapshot_constant
    def period_order_days(self) -> frozenset[int]:
        """The lengths N of the "last N days" periods whose orders mart_customer_periods holds per
        customer and place (its count_orders_<N>_days columns)."""
        columns = self.run(
            "select column_name from information_schema.columns "
            "where table_schema = current_schema() and table_name = 'mart_customer_periods'"
        ).frame["column_name"]
        found = (re.fullmatch(r"count_orders_(\d+)_days", name) for name in columns.to_list())
        return frozenset(int(match.group(1)) for match in found if match)

    @snapshot_constant
    def preset_periods(self) -> frozenset[tuple[date, date]]:
        """(first day, last day) of each "last N days" period, whose figures some marts computed
        at build time (mart_preset_periods)."""
        frame = self.run("select date_from, date_to from mart_preset_periods").frame
        return frozenset(frame.iter_rows())

    @snapshot_constant
    def preset_spans(self) -> frozenset[tuple[date, date]]:
        """(first day, last day) of each period the preset roll-ups summed whole: each "last N
        days" period and the periods it is compared with (mart_preset_spans, warehouse/rollups.py).
        A roll-up without rows for one of them has a daily mart without rows in it too."""
        return frozenset(self.run("select date_from, date_to from mart_preset_spans").frame.iter_rows())

    # -- dimension values -----------------------------------------------------------------
    def filter_options(self, scope: Scope = EVERYTHING) -> dict[str, list[str]]:
        """The values each filter can take for a viewer of `scope`: a region manager is offered
        their regions and those regions' stores, a store manager their stores (and their regions)."""
        options = self._filter_options()
        if scope.everything:
            return options
        stores = [s for s in options["stores_by_region"] if scope.allows(s["region"], s["store_id"])]
        store_ids = {s["store_id"] for s in stores}
        regions = set(scope.regions) | {s["region"] for s in stores}
        options["stores_by_region"] = stores
        options["store"] = [s for s in options["store"] if s in store_ids]
        options["region"] = [r for r in options["region"] if r in regions]
        return options

    @snapshot_constant
    def _filter_options(self) -> dict[str, list[str]]:
        frame = self.run("select dimension, value from mart_filter_options order by dimension, value").frame
        out: dict[str, list[str]] = {}
        for dim in DIMENSIONS:
            out[dim] = frame.filter(pl.col("dimension") == dim)["value"].to_list()
        out["stores_by_region"] = self.run(
            "select region, store_id, store_name from dim_stores order by region, store_id"
        ).frame.to_dicts()
        return out
