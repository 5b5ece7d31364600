"""The warehouse's query API: what pages, `cx metrics` and exports call.

Each method takes a Filters object and returns a Result: a Polars frame together with the SQL it
ran and the bound parameters, so "the SQL behind a number" can always be shown. The connection is
read-only, on the published snapshot (warehouse/snapshots.py). One cursor per query: DuckDB 2.0
leaves a result-set bound to its cursor, and Streamlit sessions share one connection.
"""

from __future__ import annotations

import copy
import functools
import threading
import warnings
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from warehouse import snapshots
from warehouse.filters import DEFAULT_DAYS, DIMENSIONS, Filters
from warehouse.metrics import METRICS, Metric, additive_sql, customer_window_sql, significant
from warehouse.periods import PeriodValues
from warehouse.scope import EVERYTHING, Scope

# DuckDB warns that Arrow output of an execute() result copies the rows: ours are a page's
# aggregates, and the copy is cheaper than binding the statement a second time (run()).
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

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
    """Connection, period resolution and the metric queries; warehouse.api.Warehouse adds the rest."""

    def __init__(self, snapshot: Path):
        self.snapshot = Path(snapshot)
        self._con = duckdb.connect(str(self.snapshot), read_only=True)
        self._lock = threading.Lock()
        self._constants: dict = {}  # @snapshot_constant results
        self._period_values = PeriodValues(self)  # metric values per mart and period (LRU)

    @classmethod
    def open(cls, db: Path):
        """The published snapshot of `db`, read-only. A snapshot removed between reading CURRENT and
        opening it (publish keeps the newest few, so only after two more builds) is looked up again."""
        for attempt in range(3):
            snapshot = snapshots.current_snapshot(Path(db))
            if snapshot is None:
                raise NoWarehouse(
                    f"no built warehouse for {db}: run `cx demo` for demo data, "
                    "or `cx ingest FILES` to load exports"
                )
            try:
                return cls(snapshot)
            except duckdb.IOException:
                if snapshot.exists() or attempt == 2:
                    raise
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

    def scalar(self, sql: str, params: dict | None = None):
        frame = self.run(sql, params).frame
        return frame.item(0, 0) if frame.height else None

    # -- period ---------------------------------------------------------------------------
    @snapshot_constant
    def as_of(self) -> date | None:
        """The latest day with orders, contacts, answers or sessions: the data's "today"."""
        sql = " union all ".join(f"select max(activity_date) as d from {m}" for m in DAILY_MARTS)
        return self.scalar(f"select max(d) from ({sql})")

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
        frame = self.run(
            "select distinct upper(trim(currency)) as code from stg_orders__order_lines "
            "where currency is not null order by 1"
        ).frame
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

    def metric_values(
        self, filters: Filters, keys: list[str] | None = None, group_by: tuple[str, ...] = ()
    ) -> list[Result]:
        """Raw metric values (value, n, margin per metric) for one period: one Result per mart."""
        filters = self.resolve(filters)
        chosen = [METRICS[k] for k in (keys or METRICS)]
        by_mart: dict[tuple[str, str], list[Metric]] = {}
        for m in chosen:
            by_mart.setdefault((m.kind, m.mart), []).append(m)
        results = []
        for (kind, mart), metrics in by_mart.items():
            if kind == "customer_window":
                if any(g in ("day", "week", "month") for g in group_by):
                    continue
                window = int(self.assumptions().get("churn_window_days", 180))
                sql, params = customer_window_sql(metrics, filters, window, group_by, self.max_customer_key())
            else:
                sql, params = additive_sql(mart, metrics, filters, group_by)
            results.append(self.run(sql, params))
        return results

    def metrics(self, filters: Filters, keys: list[str] | None = None) -> Result:
        """The scorecard: one row per metric with value, n, margin, target, status, the
        comparison period's value, the change and whether it is significant."""
        filters = self.resolve(filters)
        comparison = filters.comparison()
        periods = {"current": filters, **({"previous": comparison} if comparison else {})}
        values, sqls = self._period_values.get(periods, keys)
        return _scorecard(filters, keys, values["current"], values.get("previous", {}), sqls, self.currency())

    def scorecards(self, periods: dict[str, Filters], keys: list[str] | None = None) -> dict[str, Result]:
        """metrics() without comparison for several periods at once (the monthly review's month,
        month before and year before), sharing each mart's query between them."""
        resolved = {name: replace(self.resolve(f), compare="none") for name, f in periods.items()}
        values, sqls = self._period_values.get(resolved, keys)
        currency = self.currency()
        return {name: _scorecard(f, keys, values[name], {}, sqls, currency) for name, f in resolved.items()}

    def clear_query_cache(self) -> None:
        """Forget the cached metric values (the benchmark times a view as a first click)."""
        self._period_values.clear()

    def metric_series(
        self, filters: Filters, keys: list[str], grain: str = "month", by: str | None = None
    ) -> Result:
        """Metrics over time (long format: period, [by], metric, value, n)."""
        group_by = (grain, by) if by else (grain,)
        results = self.metric_values(filters, keys, group_by)
        frames = []
        for r in results:
            for key in keys:
                if f"{key}__value" in r.frame.columns:
                    frames.append(
                        r.frame.select(
                            pl.col(grain).alias("period"),
                            *([pl.col(by).cast(pl.Utf8)] if by else []),
                            pl.lit(key).alias("metric"),
                            pl.col(f"{key}__value").cast(pl.Float64).alias("value"),
                            pl.col(f"{key}__n").cast(pl.Float64).alias("n"),
                        )
                    )
        frame = pl.concat(frames) if frames else pl.DataFrame()
        return Result(frame, "\n;\n".join(r.sql for r in results), results[0].params if results else {})

    def metrics_by(self, filters: Filters, by: str, keys: list[str] | None = None) -> Result:
        """Metrics for each value of one dimension (wide: one row per group, a column per metric)."""
        results = self.metric_values(filters, keys, (by,))
        frame = None
        for r in results:
            cols = [by] + [c for c in r.frame.columns if c.endswith("__value") or c.endswith("__n")]
            part = r.frame.select(cols).with_columns(pl.col(by).cast(pl.Utf8))
            frame = part if frame is None else frame.join(part, on=by, how="full", coalesce=True)
        frame = frame if frame is not None else pl.DataFrame()
        frame = frame.rename({c: c.replace("__value", "") for c in frame.columns if c.endswith("__value")})
        params = results[0].params if results else {}
        return Result(frame.sort(by), "\n;\n".join(r.sql for r in results), params)

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


def _scorecard(
    filters: Filters, keys, current: dict, previous: dict, sqls: list[str], currency: str | None
) -> Result:
    rows = []
    for key in keys or METRICS:
        m = METRICS[key]
        value, n, margin = current.get(key, (None, None, None))
        prev, _, prev_margin = previous.get(key, (None, None, None))
        change = value - prev if value is not None and prev is not None else None
        rows.append(
            {
                "metric": key,
                "label": m.label,
                # money metrics are in the orders' currency (an ISO code, or "money" when mixed)
                "unit": (currency or "money") if m.unit == "money" else m.unit,
                "direction": m.direction,
                "value": value,
                "n": n,
                "margin": margin,
                "target": float(m.target),
                "alert": float(m.alert),
                "status": m.status(value),
                "previous": prev,
                "change": change,
                "significant": significant(m, margin, prev_margin, change),
                "is_small_sample": bool(m.min_n and (n or 0) < m.min_n),
                "definition": m.definition,
            }
        )
    return Result(pl.DataFrame(rows, infer_schema_length=None), "\n;\n".join(sqls), _describe(filters))


def _describe(filters: Filters) -> dict:
    return {"filters": filters.describe()}
