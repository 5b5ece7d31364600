"""The metric layer: every KPI's definition (metrics.toml) and the SQL that computes it for any
filter and grouping. Nothing else in the project computes a KPI.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import timedelta
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


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    definition: str
    unit: str
    format: str
    direction: str
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

    def status(self, value: float | None, target=None) -> str:
        """on_target / watch / alert against `target` (a warehouse.targets.Target); no_data without
        a value, no_target without a target (never an alert)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "no_data"
        if target is None:
            return "no_target"
        better = (lambda a, b: a >= b) if self.direction == "higher" else (lambda a, b: a <= b)
        if better(value, target.target):
            return "on_target"
        if better(value, target.alert):
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


def margin_select(metrics: list[Metric]) -> list[str]:
    """The select items of metrics: `<key>__value`, `<key>__n` and `<key>__margin` each."""
    select = []
    for m in metrics:
        select.append(f"{m.value} as {m.key}__value")
        select.append(f"{m.n} as {m.key}__n")
        select.append(f"{m.margin_sql or 'null'} as {m.key}__margin")
    return select


def additive_sql(
    mart: str, metrics: list[Metric], filters: Filters, group_by: tuple[str, ...] = ()
) -> tuple[str, dict]:
    """One query computing value, n and margin of several metrics of one mart."""
    groups = group_expressions(mart, group_by)
    where, params = where_clause(filters)
    select = [f"{expr} as {name}" for name, expr in groups] + margin_select(metrics)
    sql = "select\n    " + ",\n    ".join(select) + f"\nfrom {mart}\nwhere {where}"
    if groups:
        positions = ", ".join(str(i + 1) for i in range(len(groups)))
        sql += f"\ngroup by {positions}\norder by {positions}"
    return sql, params


# Customers counted once per group value when they bought in several (channel, store): the distinct
# customers are a bitmap of the mart's dense customer_key (bitstring_agg), one bit set per purchase
# row and no hashing of customers: at 10M order lines the default view (no filter) takes ~40 ms
# instead of ~240 ms for a group by customer. churned = bought in the window - bought recently.
CUSTOMERS_DISTINCT = """customers as (
    select
        {group_select}coalesce(bit_count(bitstring_agg(customer_key, 1, {max_key})), 0) as count_customers,
        coalesce(bit_count(bitstring_agg(customer_key, 1, {max_key})), 0)
            - coalesce(bit_count(bitstring_agg(customer_key, 1, {max_key}) filter (
                where activity_date > $date_to - to_days(cast($churn_window_days as integer))
            )), 0) as count_churned,
        sum(gross_margin_amount) as gross_margin_amount
    from in_window
    {group_by}
),"""
# Customers under the latest tier, region or segment they bought under: one row per customer first.
CUSTOMERS_LATEST = """customer_window as (
    select
        customer_key,
        {latest_select}max(activity_date) as last_purchase_date,
        sum(gross_margin_amount) as gross_margin_amount
    from in_window
    group by customer_key{each_group_by}
),

customers as (
    select
        {group_select}count(*) as count_customers,
        sum(case when last_purchase_date <= $date_to - to_days(cast($churn_window_days as integer))
            then 1 else 0 end) as count_churned,
        sum(gross_margin_amount) as gross_margin_amount
    from customer_window
    {group_by}
),"""


def customer_window_sql(
    metrics: list[Metric],
    filters: Filters,
    churn_window_days: int,
    group_by: tuple[str, ...] = (),
    max_customer_key: int | None = None,
) -> tuple[str, dict]:
    """Churn and CLV over the customers who bought in the 12 months up to filters.date_to.

    `max_customer_key` (mart_customer_daily's largest customer_key) lets distinct customers be
    counted as a bitmap; without it (or grouped by tier, region or segment, where a customer counts
    under the latest value they bought under) customers are grouped one by one."""
    where, params = where_clause(filters, with_dates=False)
    params["date_to"] = filters.date_to
    params["churn_window_days"] = int(churn_window_days)
    cols, each, latest = [], [], []
    for name in group_by:
        if name in TIME_GRAINS or name not in DIMENSIONS:
            raise ValueError(f"customer metrics cannot be grouped by {name!r}")
        col = DIMENSIONS[name]
        cols.append(col)
        # channel, store: a customer may buy in several and is counted in each
        (each if name in ("channel", "store") else latest).append(col)
    group_select = "".join(f"{c}, " for c in cols)
    group_by_sql = f"group by {', '.join(cols)}" if cols else ""
    if max_customer_key and not latest:
        customers = CUSTOMERS_DISTINCT.format(
            group_select=group_select, max_key=int(max_customer_key), group_by=group_by_sql
        )
    else:
        customers = CUSTOMERS_LATEST.format(
            latest_select="".join(f"arg_max({c}, activity_date) as {c}, " for c in latest)
            + "".join(f"{c}, " for c in each),
            each_group_by="".join(f", {c}" for c in each),
            group_select=group_select,
            group_by=group_by_sql,
        )
    measures = ", ".join(margin_select(metrics))
    positions = ", ".join(str(i + 1) for i in range(len(group_by)))
    sql = CUSTOMER_WINDOW_SQL.format(
        where=where,
        customers=customers,
        group_outer="".join(f"{DIMENSIONS[n]} as {n}, " for n in group_by),
        measures=measures,
        group_by_outer=f"group by {positions}\norder by {positions}" if group_by else "",
    )
    return sql, params


CUSTOMER_WINDOWS_SQL = """with purchases as (
    select * from mart_customer_daily
),

-- a period whose 12 months reach back before the data counts no customer (customer_window.sql);
-- read from the mart, not `purchases`: a CTE used twice is materialized whole (50 ms at 10M lines)
history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

in_windows as (
    select *
    from purchases
    where activity_date > $span_from
        and activity_date <= $span_to
        and {where}
),

windows as (
    select
        {aggregates}
    from in_windows
    cross join history
),

customers as (
    {unpivot}
)

select period_index, {measures}
from customers
group by 1"""


def customer_windows_sql(
    metrics: list[Metric], periods: list[Filters], churn_window_days: int, max_customer_key: int
) -> tuple[str, dict]:
    """customer_window_sql (ungrouped, bitmaps) for several periods in one scan: each period's
    window is a FILTER on the same rows; one summary row per period (period_index = position).
    The periods must share their dimension filters."""
    where, params = where_clause(periods[0], with_dates=False)
    params["churn_window_days"] = int(churn_window_days)
    params["span_from"] = min(f.date_to for f in periods) - timedelta(days=365)
    params["span_to"] = max(f.date_to for f in periods)
    bitmap = f"bitstring_agg(customer_key, 1, {int(max_customer_key)})"
    aggregates, rows = [], []
    for i, f in enumerate(periods):
        params[f"p{i}_to"] = f.date_to
        window = (
            f"first_purchase_date <= $p{i}_to - interval 364 day "
            f"and activity_date > $p{i}_to - interval 365 day and activity_date <= $p{i}_to"
        )
        recent = (
            f"first_purchase_date <= $p{i}_to - interval 364 day "
            f"and activity_date > $p{i}_to - to_days(cast($churn_window_days as integer)) "
            f"and activity_date <= $p{i}_to"
        )
        aggregates += [
            f"coalesce(bit_count({bitmap} filter (where {window})), 0) as count_customers_{i}",
            f"coalesce(bit_count({bitmap} filter (where {recent})), 0) as count_recent_{i}",
            f"sum(gross_margin_amount) filter (where {window}) as gross_margin_amount_{i}",
        ]
        rows.append(
            f"select {i} as period_index, count_customers_{i} as count_customers, "
            f"count_customers_{i} - count_recent_{i} as count_churned, "
            f"gross_margin_amount_{i} as gross_margin_amount from windows"
        )
    measures = ", ".join(margin_select(metrics))
    sql = CUSTOMER_WINDOWS_SQL.format(
        where=where,
        aggregates=",\n        ".join(aggregates),
        unpivot="\n    union all\n    ".join(rows),
        measures=measures,
    )
    return sql, params


def significant(
    metric: Metric, margin: float | None, previous_margin: float | None, change: float | None
) -> bool | None:
    """A change is significant when larger than the combined 95% margins of both periods."""
    if margin is None or previous_margin is None or change is None:
        return None
    if any(isinstance(v, float) and math.isnan(v) for v in (margin, previous_margin, change)):
        return None
    return abs(change) > math.sqrt(margin**2 + previous_margin**2)
