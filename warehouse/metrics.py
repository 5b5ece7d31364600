"""The metric layer: every KPI's definition (metrics.toml) and the SQL that computes it for any
filter and grouping. Nothing else in the project computes a KPI.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
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
    where, params = where_clause(filters, mart=mart)
    select = [f"{expr} as {name}" for name, expr in groups] + margin_select(metrics)
    sql = "select\n    " + ",\n    ".join(select) + f"\nfrom {mart}\nwhere {where}"
    if groups:
        positions = ", ".join(str(i + 1) for i in range(len(groups)))
        sql += f"\ngroup by {positions}\norder by {positions}"
    return sql, params


# Churn belongs to the customer (warehouse/sql/customer_window.sql): the tier and segment filters
# choose customers by what they hold on the period's last day (mart_customer_tiers); the other
# filters and the scope by where they bought in the 12 months.
HELD_DIMENSIONS = ("tier", "segment")


def customer_filters(filters: Filters) -> tuple[str, str | None, dict]:
    """(purchase_where over mart_customer_daily, held_where over mart_customer_tiers or None when
    no tier or segment is chosen, their bound parameters)."""
    purchase_where, params = where_clause(replace(filters, tier=(), segment=()), with_dates=False)
    held = Filters(tier=filters.tier, segment=filters.segment)  # the scope is about where they bought
    held_where, held_params = where_clause(held, with_dates=False)
    chosen_held = held_where if filters.tier or filters.segment else None
    return purchase_where, chosen_held, {**params, **held_params}


HELD_BITMAP = """select bitstring_agg(customer_key, 1, {max_key}) as customers
    from mart_customer_tiers
    where valid_from_date <= $date_to and valid_to_date >= $date_to and {held_where}"""

# Grouped (or without customer keys): one row per customer first. A customer counts under each
# channel, region or store they bought in within the 12 months (as those filters choose them) and
# under the one tier and segment they hold on the period's last day.
CUSTOMER_GROUPS_SQL = """with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

in_window as (
    select *
    from mart_customer_daily
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
),

-- each customer: the last purchase and the gross margin of all their purchases in the 12 months
per_customer as (
    select
        customer_key,
        max(activity_date) as last_purchase_date,
        sum(gross_margin_amount) as gross_margin_amount
    from in_window
    group by 1
),

-- the customers (and the channels, regions, stores) the purchase filters choose
bought as (
    select distinct customer_key{bought_groups}
    from in_window
    where {purchase_where}
),

{held}
customers as (
    select
        {group_select}count(*) as count_customers,
        sum(case when per_customer.last_purchase_date
            <= $date_to - to_days(cast($churn_window_days as integer)) then 1 else 0 end) as count_churned,
        sum(per_customer.gross_margin_amount) as gross_margin_amount
    from bought
    inner join per_customer on per_customer.customer_key = bought.customer_key
    {held_join}{group_by}
)

select {group_outer}{measures}
from customers
{group_by_outer}"""


def customer_window_sql(
    metrics: list[Metric],
    filters: Filters,
    churn_window_days: int,
    group_by: tuple[str, ...] = (),
    max_customer_key: int | None = None,
) -> tuple[str, dict]:
    """Churn and CLV over the customers who bought in the 12 months up to filters.date_to, chosen
    and counted as warehouse/sql/customer_window.sql says. `max_customer_key` (mart_customer_daily's
    largest customer_key) lets an ungrouped figure count customers as bitmaps; grouped (by a
    dimension), or without it, customers are taken one by one (CUSTOMER_GROUPS_SQL)."""
    purchase_where, held_where, params = customer_filters(filters)
    params["date_to"] = filters.date_to
    params["churn_window_days"] = int(churn_window_days)
    measures = ", ".join(margin_select(metrics))
    for name in group_by:
        if name in TIME_GRAINS or name not in DIMENSIONS:
            raise ValueError(f"customer metrics cannot be grouped by {name!r}")
    if max_customer_key and not group_by:
        max_key = int(max_customer_key)
        if held_where:
            held = HELD_BITMAP.format(max_key=max_key, held_where=held_where)
            chosen_from = "bought.customers & held.customers"
        else:
            held, chosen_from = "select 1 as unused", "bought.customers"
        chosen_row = (
            "get_bit(chosen.customers, customer_key - 1) = 1"
            if held_where or purchase_where != "true"
            else "chosen.customers is not null"  # every buyer of the window: no bit to look up
        )
        sql = CUSTOMER_WINDOW_SQL.format(
            max_key=max_key,
            purchase_where=purchase_where,
            held=held,
            chosen_row=chosen_row,
            measures=measures,
        ).replace("bought.customers & held.customers as customers", f"{chosen_from} as customers")
        return sql, params
    groups = [DIMENSIONS[n] for n in group_by]
    held_columns = {DIMENSIONS[n] for n in HELD_DIMENSIONS}
    bought_groups = [c for c in groups if c not in held_columns]
    qualified = [f"{'held' if c in held_columns else 'bought'}.{c}" for c in groups]
    positions = ", ".join(str(i + 1) for i in range(len(groups)))
    needs_held = held_where or any(c in held_columns for c in groups)
    held = (
        "-- what each customer holds on the period's last day\nheld as (\n"
        "    select customer_key, tier, segment\n    from mart_customer_tiers\n"
        "    where valid_from_date <= $date_to and valid_to_date >= $date_to\n"
        f"        and {held_where or 'true'}\n),\n\n"
        if needs_held
        else ""
    )
    sql = CUSTOMER_GROUPS_SQL.format(
        bought_groups="".join(f", {c}" for c in bought_groups),
        purchase_where=purchase_where,
        held=held,
        held_join="inner join held on held.customer_key = bought.customer_key\n    " if needs_held else "",
        group_select="".join(f"{q} as {c}, " for q, c in zip(qualified, groups, strict=True)),
        group_by=f"group by {positions}" if groups else "",
        group_outer="".join(f"{DIMENSIONS[n]} as {n}, " for n in group_by),
        measures=measures,
        group_by_outer=f"group by {positions}\norder by {positions}" if group_by else "",
    )
    return sql, params


CUSTOMER_WINDOWS_SQL = """with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

windows as (
    select
        {bitmaps}
    from mart_customer_daily
    cross join history
    where activity_date > $span_from and activity_date <= $span_to
),

{held}chosen as (
    select
        {chosen}
    from windows{held_join}
),

margins as (
    select
        {margins}
    from mart_customer_daily
    cross join chosen
    where activity_date > $span_from and activity_date <= $span_to
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
    purchase_where, held_where, params = customer_filters(periods[0])
    params["churn_window_days"] = int(churn_window_days)
    params["span_from"] = min(f.date_to for f in periods) - timedelta(days=365)
    params["span_to"] = max(f.date_to for f in periods)
    bitmap = f"bitstring_agg(customer_key, 1, {int(max_customer_key)})"
    bitmaps, held, chosen, margins, rows = [], [], [], [], []
    for i, f in enumerate(periods):
        params[f"p{i}_to"] = f.date_to
        window = f"activity_date > $p{i}_to - interval 365 day and activity_date <= $p{i}_to"
        enough = f"first_purchase_date <= $p{i}_to - interval 364 day"
        recent = (
            f"activity_date > $p{i}_to - to_days(cast($churn_window_days as integer)) "
            f"and activity_date <= $p{i}_to"
        )
        bitmaps += [
            f"{bitmap} filter (where {enough} and {window} and {purchase_where}) as bought_{i}",
            f"{bitmap} filter (where {recent}) as recent_{i}",
        ]
        if held_where:
            held.append(
                f"{bitmap} filter (where valid_from_date <= $p{i}_to and valid_to_date >= $p{i}_to "
                f"and {held_where}) as held_{i}"
            )
            chosen.append(f"bought_{i} & held_{i} as chosen_{i}, recent_{i}")
        else:
            chosen.append(f"bought_{i} as chosen_{i}, recent_{i}")
        chosen_row = (
            f"get_bit(chosen_{i}, customer_key - 1) = 1"
            if held_where or purchase_where != "true"
            else f"chosen_{i} is not null"  # every buyer of the window: no bit to look up
        )
        margins.append(
            f"sum(gross_margin_amount) filter (where {window} and {chosen_row}) as gross_margin_amount_{i}"
        )
        rows.append(
            f"select {i} as period_index, coalesce(bit_count(chosen_{i}), 0) as count_customers, "
            f"coalesce(bit_count(chosen_{i}), 0) - coalesce(bit_count(chosen_{i} & recent_{i}), 0) "
            f"as count_churned, gross_margin_amount_{i} as gross_margin_amount from chosen cross join margins"
        )
    sql = CUSTOMER_WINDOWS_SQL.format(
        bitmaps=",\n        ".join(bitmaps),
        held=(
            "held as (\n    select\n        "
            + ",\n        ".join(held)
            + "\n    from mart_customer_tiers\n),\n\n"
            if held
            else ""
        ),
        held_join="\n    cross join held" if held else "",
        chosen=",\n        ".join(chosen),
        margins=",\n        ".join(margins),
        unpivot="\n    union all\n    ".join(rows),
        measures=", ".join(margin_select(metrics)),
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
