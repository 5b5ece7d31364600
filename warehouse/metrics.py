"""The metric layer: every KPI's definition (metrics.toml) and the SQL that computes it for any
filter and grouping. Nothing else in the project computes a KPI.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from warehouse import money
from warehouse.filters import DIMENSIONS, Filters, where_clause
from warehouse.rollups import mart_source

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
    mart: str,
    metrics: list[Metric],
    filters: Filters,
    group_by: tuple[str, ...] = (),
    presets: frozenset[tuple[date, date]] = frozenset(),
) -> tuple[str, dict]:
    """One query computing value, n and margin of several metrics of one mart (a preset period
    from the mart's preset roll-up, whole months from its monthly roll-up: warehouse/rollups.py;
    `presets` as there)."""
    groups = group_expressions(mart, group_by)
    where, params = where_clause(filters, mart=mart)
    source, source_params = mart_source(mart, [(filters.date_from, filters.date_to)], group_by, presets)
    params.update(source_params)
    select = [f"{expr} as {name}" for name, expr in groups] + margin_select(metrics)
    sql = "select\n    " + ",\n    ".join(select) + f"\nfrom {source}\nwhere {where}"
    if groups:
        positions = ", ".join(str(i + 1) for i in range(len(groups)))
        sql += f"\ngroup by {positions}\norder by {positions}"
    return sql, params


# Margins are summed as decimals (exact, so in any order): parallel double sums over customers
# differed in the last digit from run to run, and a scoped view must equal the filtered one.
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


# customer_window.sql's churn cut-off: a customer whose last purchase is on or before it churned
# (none in the last churn_window_days days of the period), pasted into the templates below.
CHURN_CUTOFF = "$date_to - to_days(cast($churn_window_days as integer))"

# customer_window.sql without a filter: every buyer of the 12 months is chosen, so one pass counts
# them, those who bought recently and their margin.
UNFILTERED_WINDOW_SQL = """with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

customers as (
    select
        coalesce(bit_count(bitstring_agg(customer_key, 1, {max_key})), 0) as count_customers,
        coalesce(bit_count(bitstring_agg(customer_key, 1, {max_key})), 0)
            - coalesce(bit_count(bitstring_agg(customer_key, 1, {max_key}) filter (
                where activity_date > {churn_cutoff}
            )), 0) as count_churned,
        sum(cast(gross_margin_amount as decimal(38, 6))) as gross_margin_amount
    from mart_customer_daily
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
)

select {measures}
from customers""".replace("{churn_cutoff}", CHURN_CUTOFF)

# The churned among customers one row each (customer_window.sql's rule: no purchase, wherever it
# was, in the last churn_window_days days before the period's end), pasted into the templates below
# that count customers row by row.
CHURNED = f"sum(case when last_purchase_date <= {CHURN_CUTOFF} then 1 else 0 end)"

# At a period end mart_customer_periods holds (the as-of date and its presets' comparison ends): the
# chosen customers' rows of that period end, one per customer, then counted. held_where filters on
# what they hold on it, purchase_where on where they bought in the 12 months (a customer counts when
# one of their rows matches); their last purchase and margin are the whole 12 months' (the figures
# of customer_window.sql, computed at build time: tests/warehouse/test_customer_periods.py).
# A view choosing one place and at most one channel (no purchase filter, one channel, one region
# with or without one channel, one store) reads PERIOD_PLACES_SQL instead (one_place); the other
# views (several places or channels, places of two kinds, a store and a channel) take any of each
# chosen customer's rows.
PERIOD_CUSTOMERS_SQL = """with chosen as (
    select
        {groups}customer_key,
        any_value(last_purchase_date) as last_purchase_date,
        any_value(gross_margin_amount) as gross_margin_amount
    from mart_customer_periods
    where period_end_date = $date_to and {held_where} and {purchase_where}
    group by all
),

customers as (
    select
        {groups}count(*) as count_customers,
        {churned} as count_churned,
        sum(gross_margin_amount) as gross_margin_amount
    from chosen
    {group_by}
)

select {group_outer}{measures}
from customers
{group_by_outer}""".replace("{churned}", CHURNED)


# The same figures when the purchase filters and the scope choose one place and at most one
# channel (one_place): the chosen customers are counted per tier, segment and last purchase at build time
# (mart_customer_period_places), so the query sums a few thousand of those rows whatever the scale.
PERIOD_PLACES_SQL = """with customers as (
    select
        {groups}coalesce(sum(count_customers), 0) as count_customers,
        sum(case when last_purchase_date <= {churn_cutoff}
            then count_customers else 0 end) as count_churned,
        sum(gross_margin_amount) as gross_margin_amount
    from mart_customer_period_places
    where period_end_date = $date_to and place_kind = $place_kind and place = $place
        and channel_kind = $channel_kind and channel = $channel and {held_where}
    {group_by}
)

select {group_outer}{measures}
from customers
{group_by_outer}""".replace("{churn_cutoff}", CHURN_CUTOFF)

# A filter dimension (or the scope's lists) -> the place kind of mart_customer_period_places; the
# channel filter is its channel_kind and channel
PLACE_KINDS = {"region": "region", "store": "store"}


def one_place(filters: Filters) -> tuple[str, str, str, str] | None:
    """(place_kind, place, channel_kind, channel) when the purchase filters and the scope together
    choose one place of mart_customer_period_places (none of them: 'all'; one region or store: a
    filter, a scope of one region or one store, or both naming the same one) and at most one
    channel (no channel filter: 'all'; one channel of the whole business or of a region). Else
    None: several places, places of two kinds, several channels, or a store and a channel."""
    if len(filters.channel) > 1:
        return None
    channel = ("channel", filters.channel[0]) if filters.channel else ("all", "all")
    chosen: dict[str, set[str]] = {}
    for dim, kind in PLACE_KINDS.items():
        values = getattr(filters, dim)
        if values:
            chosen[kind] = set(values)
    scope = filters.scope
    if scope.restricted:
        if scope.regions and scope.stores:
            return None  # a region or a store: two places
        kind, values = ("region", scope.regions) if scope.regions else ("store", scope.stores)
        chosen[kind] = chosen.get(kind, set(values)) & set(values)
    if not chosen:
        return ("all", "all", *channel)
    if len(chosen) == 1:
        ((kind, values),) = chosen.items()
        if len(values) == 1 and (kind != "store" or not filters.channel):
            return (kind, next(iter(values)), *channel)
    return None


# Grouped by what customers hold on the period's last day (tier, segment), or chosen by it: each of
# the 12 months' purchases joins its customer's tier and segment then (only the chosen tier's
# customers when one is chosen: few rows), one row per customer (bought where the purchase filters
# say? last purchase, margin of all purchases), then per group.
HELD_GROUPS_SQL = """with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

held as (
    select customer_key, tier, segment
    from mart_customer_tiers
    where valid_from_date <= $date_to and valid_to_date >= $date_to and {held_where}
),

per_customer as (
    select
        {groups}purchases.customer_key,
        bool_or({purchase_where}) as is_bought,
        max(purchases.activity_date) as last_purchase_date,
        sum(cast(purchases.gross_margin_amount as decimal(38, 6))) as gross_margin_amount
    from mart_customer_daily as purchases
    inner join held on held.customer_key = purchases.customer_key
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and purchases.activity_date > $date_to - interval 365 day
        and purchases.activity_date <= $date_to
    group by all
),

customers as (
    select
        {groups_plain}count(*) as count_customers,
        {churned} as count_churned,
        sum(gross_margin_amount) as gross_margin_amount
    from per_customer
    where is_bought
    {group_by}
)

select {group_outer}{measures}
from customers
{group_by_outer}""".replace("{churned}", CHURNED)

# Grouped by tier or segment with neither chosen (the loyalty page's default view): every customer
# holds one, so HELD_GROUPS_SQL would group every purchase of the 12 months by customer, most of its
# cost (0.35 s of CPU at 5M order lines). Instead one pass over the purchases sets two bitmaps of
# customer_key: who bought where the purchase filters say, and who bought at all within the churn
# window. Each customer's row of mart_customer_tiers on the period's last day looks up their two
# bits: the chosen are those who bought, the churned those of them without a recent purchase; their
# gross margin is summed over their purchases per group (half the CPU; the same figures, tested
# against the per-customer computation). With a tier or segment chosen, HELD_GROUPS_SQL reads only
# the chosen customers' purchases and this full pass would cost more.
HELD_BITMAPS_SQL = """with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

window_pass as (
    select
        bitstring_agg(customer_key, 1, {max_key}) filter (where {purchase_where}) as bought,
        bitstring_agg(customer_key, 1, {max_key}) filter (
            where activity_date > {churn_cutoff}
        ) as recent
    from mart_customer_daily
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
),

-- each customer's bits looked up once, in a projection (as a WHERE condition the lookup would be
-- planned as a nested-loop join)
held as (
    select
        held.customer_key,
        held.tier,
        held.segment,
        get_bit(window_pass.bought, held.customer_key - 1) = 1 as is_bought,
        get_bit(window_pass.recent, held.customer_key - 1) = 1 as is_recent
    from mart_customer_tiers as held
    cross join window_pass
    where held.valid_from_date <= $date_to and held.valid_to_date >= $date_to
),

chosen as (
    select * from held where is_bought
),

margins as (
    select
        {groups}sum(cast(purchases.gross_margin_amount as decimal(38, 6))) as gross_margin_amount
    from mart_customer_daily as purchases
    inner join chosen on chosen.customer_key = purchases.customer_key
    where purchases.activity_date > $date_to - interval 365 day
        and purchases.activity_date <= $date_to
    {group_by}
),

counts as (
    select
        {groups}count(*) as count_customers,
        sum(case when chosen.is_recent then 0 else 1 end) as count_churned
    from chosen
    {group_by}
),

customers as (
    select {groups_counts}counts.count_customers, counts.count_churned, margins.gross_margin_amount
    from counts
    left join margins using ({using})
)

select {group_outer}{measures}
from customers
{group_by_outer}""".replace("{churn_cutoff}", CHURN_CUTOFF)

# Grouped by where they bought (or without customer keys): one row per customer first. A customer
# counts under each channel, region or store they bought in within the 12 months (as those filters
# choose them) and under the one tier and segment they hold on the period's last day.
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

-- each customer: the last purchase and the gross margin of all their purchases in the 12 months,
-- and whether one of them is where the purchase filters say
per_customer as (
    select
        customer_key,
        max(activity_date) as last_purchase_date,
        sum(cast(gross_margin_amount as decimal(38, 6))) as gross_margin_amount,
        bool_or({purchase_where}) as is_bought
    from in_window
    group by 1
),

-- the customers (and the channels, regions, stores) the purchase filters choose
bought as (
    {bought}
),

{held}
customers as (
    select
        {group_select}count(*) as count_customers,
        {churned} as count_churned,
        sum(per_customer.gross_margin_amount) as gross_margin_amount
    from bought
    inner join per_customer on per_customer.customer_key = bought.customer_key
    {held_join}{group_by}
)

select {group_outer}{measures}
from customers
{group_by_outer}""".replace("{churned}", CHURNED)


def customer_window_sql(
    metrics: list[Metric],
    filters: Filters,
    churn_window_days: int,
    group_by: tuple[str, ...] = (),
    max_customer_key: int | None = None,
    period_ends: frozenset[date] = frozenset(),
) -> tuple[str, dict]:
    """Churn and CLV over the customers who bought in the 12 months up to filters.date_to, chosen
    and counted as warehouse/sql/customer_window.sql says. `period_ends` (those of
    mart_customer_periods) are read from their rows there when the figure is ungrouped or grouped
    by tier or segment (PERIOD_CUSTOMERS_SQL). `max_customer_key` (mart_customer_daily's largest
    customer_key) lets an ungrouped figure count customers as bitmaps; grouped (by a dimension), or
    without it, customers are taken one by one (CUSTOMER_GROUPS_SQL)."""
    purchase_where, held_where, params = customer_filters(filters)
    params["date_to"] = filters.date_to
    params["churn_window_days"] = int(churn_window_days)
    measures = ", ".join(margin_select(metrics))
    for name in group_by:
        if name in TIME_GRAINS or name not in DIMENSIONS:
            raise ValueError(f"customer metrics cannot be grouped by {name!r}")
    # ungrouped or grouped by tier or segment: by what each customer holds on the period's last day
    if set(group_by) <= set(HELD_DIMENSIONS):
        cols = [DIMENSIONS[n] for n in group_by]
        positions = ", ".join(str(i + 1) for i in range(len(cols)))
        slots = {
            "purchase_where": purchase_where,
            "group_outer": "".join(f"{c} as {n}, " for c, n in zip(cols, group_by, strict=True)),
            "group_by": f"group by {positions}" if cols else "",
            "group_by_outer": f"group by {positions}\norder by {positions}" if cols else "",
            "measures": measures,
        }
        if filters.date_to in period_ends:  # customers' rows built for this period end
            groups = "".join(f"{c}, " for c in cols)
            place = one_place(filters)
            if place is not None:  # counted per place at build time
                params = {k: v for k, v in params.items() if k in {"tier", "segment"}}
                params.update(date_to=filters.date_to, churn_window_days=int(churn_window_days))
                params["place_kind"], params["place"], params["channel_kind"], params["channel"] = place
                sql = PERIOD_PLACES_SQL.format(groups=groups, held_where=held_where or "true", **slots)
                return sql, params
            sql = PERIOD_CUSTOMERS_SQL.format(groups=groups, held_where=held_where or "true", **slots)
            return sql, params
        if held_where:  # a tier or segment chosen: few customers (HELD_GROUPS_SQL)
            sql = HELD_GROUPS_SQL.format(
                held_where=held_where,
                groups="".join(f"held.{c}, " for c in cols),
                groups_plain="".join(f"{c}, " for c in cols),
                **slots,
            )
            return sql, params
        if group_by:  # every customer holds one (HELD_BITMAPS_SQL)
            sql = HELD_BITMAPS_SQL.format(
                max_key=int(max_customer_key or 1),  # no customers: empty bitmaps (null), no one chosen
                groups="".join(f"chosen.{c}, " for c in cols),
                groups_counts="".join(f"counts.{c}, " for c in cols),
                using=", ".join(cols),
                **slots,
            )
            return sql, params
    if max_customer_key and not group_by:
        max_key = int(max_customer_key)
        if held_where is None and purchase_where == "true":  # every buyer of the 12 months: one pass
            return UNFILTERED_WINDOW_SQL.format(max_key=max_key, measures=measures), params
        sql = CUSTOMER_WINDOW_SQL.format(max_key=max_key, purchase_where=purchase_where, measures=measures)
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
    bought = (
        f"select distinct customer_key{''.join(f', {c}' for c in bought_groups)}\n"
        f"    from in_window\n    where {purchase_where}"
        if bought_groups  # a customer counts under each channel, region or store they bought in
        else "select customer_key from per_customer where is_bought"  # no second pass over the rows
    )
    sql = CUSTOMER_GROUPS_SQL.format(
        bought=bought,
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


def significant(
    metric: Metric, margin: float | None, previous_margin: float | None, change: float | None
) -> bool | None:
    """A change is significant when larger than the combined 95% margins of both periods."""
    if margin is None or previous_margin is None or change is None:
        return None
    if any(isinstance(v, float) and math.isnan(v) for v in (margin, previous_margin, change)):
        return None
    return abs(change) > math.sqrt(margin**2 + previous_margin**2)
