"""The metric layer: every KPI's definition (metrics.toml) and the SQL that computes it for any
filter and grouping. Nothing else in the project computes a KPI.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from warehouse import money
from warehouse.filters import DIMENSIONS, Filters, where_clause

METRICS_FILE = Path(__file__).parent / "metrics.toml"
CUSTOMER_WINDOW_SQL = (Path(__file__).parent / "sql" / "customer_window.sql").read_text()

# What a metric query may be grouped by: name -> SQL expression over a mart. A fixed list, so a
# group-by never carries user text into SQL.
TIME_GRAINS = {
    "day": "activity_date",
    "week": "cast(date_trunc('week', activity_date) as date)",
    "month": "cast(date_trunc('month', activity_date) as date)",
}
GROUPS = {**TIME_GRAINS, **{dim: col for dim, col in DIMENSIONS.items()}}
# Extra groupings some marts carry.
MART_GROUPS = {
    "mart_daily_surveys": {"touchpoint": "touchpoint"},
    "mart_daily_contacts": {"reason": "reason"},
    "mart_daily_sessions": {"traffic_source": "traffic_source"},
}
STATUSES = ("on_target", "watch", "alert", "no_data")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    definition: str
    unit: str
    format: str
    direction: str
    target: float
    alert: float
    mart: str
    value: str
    n: str
    margin: str | None = None
    kind: str = "additive"
    min_n: int = 0

    @property
    def margin_sql(self) -> str | None:
        if self.margin == "proportion":
            p = f"(({self.value}) / 100.0)"
            return f"100.0 * 1.96 * sqrt({p} * (1 - {p}) / nullif({self.n}, 0))"
        return self.margin

    def status(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "no_data"
        better = (lambda a, b: a >= b) if self.direction == "higher" else (lambda a, b: a <= b)
        if better(value, self.target):
            return "on_target"
        if better(value, self.alert):
            return "watch"
        return "alert"

    def is_better(self, new: float, old: float) -> bool:
        return new > old if self.direction == "higher" else new < old

    def fmt(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return money.text(self.format.format(value))


def load_metrics(path: Path = METRICS_FILE) -> dict[str, Metric]:
    data = tomllib.loads(path.read_text())
    return {key: Metric(key=key, **spec) for key, spec in data.items()}


METRICS = load_metrics()


def group_expressions(mart: str, group_by: tuple[str, ...]) -> list[tuple[str, str]]:
    allowed = {**GROUPS, **MART_GROUPS.get(mart, {})}
    out = []
    for name in group_by:
        if name not in allowed:
            raise ValueError(f"cannot group {mart} by {name!r}; choose from {sorted(allowed)}")
        out.append((name, allowed[name]))
    return out


def additive_sql(mart: str, metrics: list[Metric], filters: Filters, group_by: tuple[str, ...] = ()) -> tuple[str, dict]:
    """One query computing value, n and margin of several metrics of one mart."""
    groups = group_expressions(mart, group_by)
    where, params = where_clause(filters)
    select = [f"{expr} as {name}" for name, expr in groups]
    for m in metrics:
        select.append(f"{m.value} as {m.key}__value")
        select.append(f"{m.n} as {m.key}__n")
        select.append(f"{m.margin_sql or 'null'} as {m.key}__margin")
    sql = f"select\n    " + ",\n    ".join(select) + f"\nfrom {mart}\nwhere {where}"
    if groups:
        positions = ", ".join(str(i + 1) for i in range(len(groups)))
        sql += f"\ngroup by {positions}\norder by {positions}"
    return sql, params


def customer_window_sql(
    metrics: list[Metric], filters: Filters, churn_window_days: int, group_by: tuple[str, ...] = ()
) -> tuple[str, dict]:
    """Churn and CLV over the customers who bought in the 12 months up to filters.date_to."""
    where, params = where_clause(filters, with_dates=False)
    params["date_to"] = filters.date_to
    params["churn_window_days"] = int(churn_window_days)
    group_select, group_by_extra, group_outer = "", "", ""
    for name in group_by:
        if name in TIME_GRAINS or name not in DIMENSIONS:
            raise ValueError(f"customer metrics cannot be grouped by {name!r}")
        col = DIMENSIONS[name]
        if name in ("channel", "store"):  # a customer may buy in several: counted in each
            group_select += f"{col},\n        "
            group_by_extra += f", {col}"
        else:  # the latest tier/region/segment the customer bought under
            group_select += f"arg_max({col}, activity_date) as {col},\n        "
        group_outer += f"{col} as {name}, "
    measures = ", ".join(
        f"{m.value} as {m.key}__value, {m.n} as {m.key}__n, {m.margin_sql or 'null'} as {m.key}__margin"
        for m in metrics
    )
    positions = ", ".join(str(i + 1) for i in range(len(group_by)))
    sql = CUSTOMER_WINDOW_SQL.format(
        group_select=group_select,
        where=where,
        group_by_extra=group_by_extra,
        group_outer=group_outer,
        measures=measures,
        group_by_outer=f"group by {positions}\norder by {positions}" if group_by else "",
    )
    return sql, params


def significant(metric: Metric, margin: float | None, previous_margin: float | None, change: float | None) -> bool | None:
    """A change is significant when larger than the combined 95% margins of both periods."""
    if margin is None or previous_margin is None or change is None:
        return None
    if any(isinstance(v, float) and math.isnan(v) for v in (margin, previous_margin, change)):
        return None
    return abs(change) > math.sqrt(margin**2 + previous_margin**2)
