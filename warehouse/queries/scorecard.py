"""The scorecard: every metric's value, n, margin, target and status for a period, its comparison
period and the change; the same metrics over time and by a dimension. Every page's KPIs come from
here; each metric is defined once, in warehouse/metrics.toml (warehouse/metrics.py)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from warehouse.filters import Filters
from warehouse.metrics import METRICS, Metric, additive_sql, significant
from warehouse.queries.base import Result
from warehouse.queries.coverage import CoverageQueries
from warehouse.targets import Target, Targets


class ScorecardQueries(CoverageQueries):
    def metric_values(
        self, filters: Filters, keys: list[str] | None = None, group_by: tuple[str, ...] = ()
    ) -> list[Result]:
        """Raw metric values (value, n, margin per metric) for one period: one Result per mart, the
        marts' queries run at once (run_all)."""
        filters = self.resolve(filters)
        chosen = [METRICS[k] for k in (keys or METRICS)]
        by_mart: dict[tuple[str, str], list[Metric]] = {}
        for m in chosen:
            by_mart.setdefault((m.kind, m.mart), []).append(m)
        queries = []
        for (kind, mart), metrics in by_mart.items():
            if kind == "customer_window":
                if any(g in ("day", "week", "month") for g in group_by):
                    continue
                queries.append(self.customer_window_sql(metrics, filters, group_by))
            else:
                queries.append(additive_sql(mart, metrics, filters, group_by, self.preset_spans()))
        return self.run_all(queries)

    def metrics(self, filters: Filters, keys: list[str] | None = None) -> Result:
        """The scorecard: one row per metric with value, n, margin, target, status, the
        comparison period's value, the change and whether it is significant."""
        filters = self.resolve(filters)
        comparison = filters.comparison()
        periods = {"current": filters, **({"previous": comparison} if comparison else {})}
        values, sqls = self._period_values.get(periods, keys)
        return _scorecard(
            filters,
            keys,
            values["current"],
            values.get("previous", {}),
            sqls,
            self.currency(),
            self.not_measured(),
            self.targets,
        )

    def scorecards(self, periods: dict[str, Filters], keys: list[str] | None = None) -> dict[str, Result]:
        """metrics() without comparison for several periods at once (the monthly review's month,
        month before and year before), sharing each mart's query between them."""
        resolved = {name: replace(self.resolve(f), compare="none") for name, f in periods.items()}
        values, sqls = self._period_values.get(resolved, keys)
        currency, not_measured = self.currency(), self.not_measured()
        return {
            name: _scorecard(f, keys, values[name], {}, sqls, currency, not_measured, self.targets)
            for name, f in resolved.items()
        }

    def targets_in_effect(self, filters: Filters) -> dict[str, Target]:
        """metric -> its target and alert threshold in the version in effect on the period's last day."""
        return self.targets.on(self.resolve(filters).date_to)

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


# What a metric counts, for "no <this> in the period": by the mart it is computed from.
NO_DATA = {
    "mart_daily_surveys": "answers",
    "mart_daily_contacts": "support contacts",
    "mart_daily_sessions": "web or app sessions",
    "mart_daily_orders": "orders",
}


def no_data_reason(m: Metric, n) -> str:
    """Why a measurable metric has no value for these filters."""
    if m.kind == "customer_window":
        return "needs customers with 12 months of purchases up to the period's end"
    if n:  # rows but no value: e.g. AOV of orders worth nothing, a rate over zero
        return "no value for this period and these filters"
    return f"no {NO_DATA.get(m.mart, 'data')} in this period for these filters"


def _scorecard(
    filters: Filters,
    keys,
    current: dict,
    previous: dict,
    sqls: list[str],
    currency: str | None,
    not_measured: dict[str, str],
    targets: Targets,
) -> Result:
    """One row per metric. A metric the exports cannot measure has no value, no n, no comparison
    and the status `not_measured` with its reason; one without a value in the period is `no_data`
    with its reason; neither is ever 0 or an alert."""
    rows = []
    in_effect = targets.on(filters.date_to)  # the version in effect on the period's last day
    for key in keys or METRICS:
        m = METRICS[key]
        target = in_effect.get(key)
        value, n, margin = current.get(key, (None, None, None))
        prev, _, prev_margin = previous.get(key, (None, None, None))
        reason = None
        if key in not_measured:
            value = n = margin = prev = prev_margin = None
            reason = f"not measured by these exports: {not_measured[key]}"
        elif value is None:
            reason = no_data_reason(m, n)
        change = value - prev if value is not None and prev is not None else None
        status = "not_measured" if key in not_measured else m.status(value, target)
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
                "target": target.target if target else None,
                "alert": target.alert if target else None,
                "status": status,
                "reason": reason,
                "previous": prev,
                "change": change,
                "significant": significant(m, margin, prev_margin, change),
                "is_small_sample": bool(m.min_n and (n or 0) < m.min_n) and status != "not_measured",
                "definition": m.definition,
            }
        )
    return Result(pl.DataFrame(rows, infer_schema_length=None), "\n;\n".join(sqls), _describe(filters))


def _describe(filters: Filters) -> dict:
    return {"filters": filters.describe()}
