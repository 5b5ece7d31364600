"""The warehouse's query API (`Warehouse`): the metric queries of warehouse/query.py plus what the pages
need beyond the scorecard: funnel, tiers, friction and the monthly scorecard here; the roadmap
(roadmap_queries.py), data quality and freshness (quality_queries.py) and the analyst's explorer
(explorer.py) in their own modules. Every method returns a Result (frame + SQL + params)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from warehouse.explorer import EXPLORABLE_MARTS, EXPLORE_ROW_LIMIT, ExplorerQueries, RowLimitExceeded
from warehouse.filters import TIER_ORDER, Filters, minus_year, month_end, where_clause
from warehouse.friction import FRICTION_POINTS, friction_sql
from warehouse.metrics import METRICS, significant
from warehouse.quality_queries import QualityQueries
from warehouse.query import NoWarehouse, Result, snapshot_constant
from warehouse.roadmap_queries import RoadmapQueries

__all__ = [
    "EXPLORABLE_MARTS",
    "EXPLORE_ROW_LIMIT",
    "NoWarehouse",
    "Result",
    "RowLimitExceeded",
    "Warehouse",
]

# Funnel steps whose drop-off from the step before is a costed friction point.
FUNNEL_FRICTION = {
    "orders": "abandoned_carts",
    "delivered on time": "late_deliveries",
    "resolved first time": "repeat_contacts",
}
# Impact/complexity matrix: a fix of complexity <= this (on the roadmap's 1-5 scale) is "low".
LOW_COMPLEXITY_MAX = 2

# What a metric needs that a warehouse may not hold at all: an Olist or UCI warehouse has orders
# but no contacts or sessions. need -> (what is counted, label for "not loaded", metrics).
DATA_NEEDS = {
    "contacts": ("select count(*) from fct_contacts", "support contacts",
                 ("fcr", "repeat_contact_rate", "aht", "avg_wait", "transfer_rate", "self_service_rate",
                  "cost_per_contact")),
    "sessions": ("select count(*) from fct_sessions", "web or app sessions",
                 ("conversion_rate", "cart_abandonment")),
    "nps": ("select count(*) from fct_survey_responses where survey = 'nps'", "NPS answers", ("nps",)),
    "csat": ("select count(*) from fct_survey_responses where survey = 'csat'", "CSAT answers", ("csat",)),
    "ces": ("select count(*) from fct_survey_responses where survey = 'ces'", "CES answers", ("ces",)),
    "orders": ("select count(*) from fct_orders", "orders",
               ("aov", "return_rate", "on_time_delivery", "churn_rate", "clv")),
    "returns": ("select count(*) from stg_orders__order_lines where is_return_reported",
                "orders from an export that reports returns", ("return_rate",)),
    "cost_assumptions": ("select count(*) from dim_cost_assumptions", "cost assumptions",
                         ("cost_per_contact", "clv")),
}  # fmt: skip


class Warehouse(RoadmapQueries, QualityQueries, ExplorerQueries):
    # -- what this warehouse holds ----------------------------------------------------------
    @snapshot_constant
    def coverage(self) -> Result:
        """One row per kind of data a metric needs: its label, how many rows the warehouse holds
        (0 = not loaded at all, so its metrics show "no data" whatever the filters) and the metrics."""
        parts = " union all ".join(
            f"select '{need}' as need, '{label}' as label, ({count_sql}) as count_rows, "
            f"{list(keys)!r} as metrics"
            for need, (count_sql, label, keys) in DATA_NEEDS.items()
        )
        return self.run(f"select * from ({parts})")

    # -- journey funnel -------------------------------------------------------------------
    def funnel(self, filters: Filters, by_channel: bool = False) -> Result:
        """Counts per funnel step with conversion from the previous step (within a stage group)."""
        f = self.resolve(filters)
        where, params = where_clause(f)
        channel = "channel, " if by_channel else ""
        partition = "partition by channel " if by_channel else ""
        sql = f"""
with steps as (
    select {channel}stage, step_order, step, sum(count_events) as count_events
    from mart_journey_funnel
    where {where}
    group by {"1, 2, 3, 4" if by_channel else "1, 2, 3"}
),

final as (
    select
        *,
        lag(count_events) over ({partition}order by step_order) as previous_count,
        100.0 * count_events / nullif(lag(count_events) over ({partition}order by step_order), 0)
            as step_conversion_pct,
        lag(count_events) over ({partition}order by step_order) - count_events as count_dropped
    from steps
)

select * from final order by {channel}step_order"""
        return self.run(sql, params)

    def stage_scores(self, filters: Filters) -> Result:
        """The CX score measured at each touchpoint (NPS, CSAT, CES per journey stage)."""
        return self.metrics_by(filters, "touchpoint", ["nps", "csat", "ces"])

    # -- tiers ----------------------------------------------------------------------------
    def tier_performance(self, filters: Filters) -> Result:
        """Per tier: customers, revenue and its share, orders per customer, and the tier metrics."""
        f = self.resolve(filters)
        where, params = where_clause(f)
        # Distinct customers per tier as a bitmap of the dense customer_key (no hash of customers).
        max_key = self.max_customer_key()
        distinct_customers = (
            f"coalesce(bit_count(bitstring_agg(customer_key, 1, {int(max_key)})), 0)"
            if max_key
            else "count(distinct customer_key)"
        )
        sql = f"""
with purchases as (
    select * from mart_customer_daily where {where}
),

orders as (
    select tier, sum(count_orders) as count_orders, sum(net_revenue_amount) as net_revenue_amount
    from mart_daily_orders where {where} group by 1
),

customers as (
    select tier, {distinct_customers} as count_customers,
        sum(count_orders) as count_customer_orders
    from purchases group by 1
),

final as (
    select
        orders.tier,
        coalesce(customers.count_customers, 0) as count_customers,
        orders.count_orders,
        orders.net_revenue_amount,
        100.0 * orders.net_revenue_amount / sum(orders.net_revenue_amount) over () as revenue_share_pct,
        1.0 * customers.count_customer_orders / nullif(customers.count_customers, 0) as orders_per_customer
    from orders
    left join customers on customers.tier = orders.tier
)

select * from final"""
        base = self.run(sql, params)
        keys = ["aov", "return_rate", "nps", "csat", "churn_rate", "clv", "cost_per_contact"]
        by_tier = self.metrics_by(f, "tier", keys)
        cost = self.run(
            f"""select tier, sum(contact_cost_amount) as service_cost_amount
from mart_daily_contacts where {where} group by 1""",
            params,
        )
        frame = (
            base.frame.join(by_tier.frame.select(["tier", *keys]), on="tier", how="left")
            .join(cost.frame, on="tier", how="left")
            .with_columns(
                (pl.col("service_cost_amount") / pl.col("count_customers")).alias(
                    "cost_to_serve_per_customer"
                )
            )
        )
        order = {tier: i for i, tier in enumerate(TIER_ORDER)}
        frame = frame.sort(pl.col("tier").replace_strict(order, default=len(order)))
        return Result(frame, "\n;\n".join([base.sql, by_tier.sql, cost.sql]), params)

    def tier_migration(self, date_a: date, date_b: date, filters: Filters | None = None) -> Result:
        """Customers by tier held on date_a and on date_b (for a Sankey)."""
        params = {"date_a": date_a, "date_b": date_b}
        region = ""
        if filters and filters.scope.restricted:
            # a customer belongs to the region of their tier spell; spells have no store, so a
            # store manager's scope matches no customer here (their stores' figures are elsewhere)
            condition, scope_params = filters.scope.predicate("a.region", "null")
            region = f"and {condition}"
            params.update(scope_params)
        if filters and filters.region:
            region += " and list_contains($region, a.region)"
            params["region"] = list(filters.region)
        if filters and filters.segment:
            region += " and list_contains($segment, a.segment)"
            params["segment"] = list(filters.segment)
        # A customer holds one spell on a date. Those whose spell covers both dates kept their tier
        # (a count, no join); only the spells covering one of the dates are joined, on the integer
        # key. The region and segment filters apply to the spell held on date_a.
        sql = f"""
with spells as not materialized (
    select * from dim_customer_tier_spells
),

kept as (
    select tier as tier_from, tier as tier_to, count(*) as count_customers
    from spells as a
    where valid_from_date <= least($date_a, $date_b) and valid_to_date >= greatest($date_a, $date_b) {region}
    group by 1, 2
),

on_date_a_only as (
    select customer_key, tier
    from spells as a
    where $date_a between valid_from_date and valid_to_date
        and not ($date_b between valid_from_date and valid_to_date) {region}
),

on_date_b_only as (
    select customer_key, tier
    from spells
    where $date_b between valid_from_date and valid_to_date
        and not ($date_a between valid_from_date and valid_to_date)
),

moved as (
    select a.tier as tier_from, b.tier as tier_to, count(*) as count_customers
    from on_date_a_only as a
    inner join on_date_b_only as b on b.customer_key = a.customer_key
    group by 1, 2
),

final as (
    select tier_from, tier_to, cast(sum(count_customers) as bigint) as count_customers
    from (select * from kept union all select * from moved)
    group by 1, 2
)

select * from final order by 1, 2"""
        return self.run(sql, params)

    # -- friction -------------------------------------------------------------------------
    def friction_costs(self, filters: Filters, assumptions: dict[str, float] | None = None) -> Result:
        """Each friction point's events and yearly cost. `assumptions` overrides the saved cost
        assumptions for a what-if (nothing is written back)."""
        f = self.resolve(filters)
        saved = self.assumptions()
        merged = {**saved, **(assumptions or {})}
        aov = self.metrics(f.__class__(**{**f.__dict__, "compare": "none"}), ["aov", "clv"]).frame
        aov_value = aov.filter(pl.col("metric") == "aov")["value"][0] or 0.0
        clv_value = aov.filter(pl.col("metric") == "clv")["value"][0] or 0.0
        sql, params = friction_sql(f, merged, aov_value, clv_value)
        result = self.run(sql, params)
        frame = result.frame
        if not merged:  # no cost assumptions at all: events are counted, not valued (not £0)
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.Float64).alias("period_cost_amount"),
                pl.lit(None, dtype=pl.Float64).alias("yearly_cost_amount"),
            )
        frame = frame.join(
            pl.DataFrame(
                [{"friction_point": k, **v} for k, v in FRICTION_POINTS.items()],
            ),
            on="friction_point",
            how="left",
        ).sort("yearly_cost_amount", descending=True, nulls_last=True)
        return Result(frame, result.sql, result.params)

    @snapshot_constant
    def cost_assumptions(self) -> Result:
        return self.run(
            "select setting, setting_value, unit, description, version, valid_from_date "
            "from dim_cost_assumptions order by setting"
        )

    # -- dashboard summaries ----------------------------------------------------------------
    def funnel_dropoffs(self, filters: Filters) -> Result:
        """The funnel with, for the steps whose drop-off is a friction point, that point's yearly
        cost; is_costliest marks the drop-off that costs most."""
        funnel = self.funnel(filters)
        costs = self.friction_costs(filters).frame.select("friction_point", "label", "yearly_cost_amount")
        mapping = pl.DataFrame(
            {"step": list(FUNNEL_FRICTION), "friction_point": list(FUNNEL_FRICTION.values())}
        )
        frame = (
            funnel.frame.join(mapping, on="step", how="left")
            .join(costs.rename({"label": "friction_label"}), on="friction_point", how="left")
            .sort("step_order")
        )
        top = frame["yearly_cost_amount"].max() if frame.height else None
        frame = frame.with_columns(
            (pl.col("yearly_cost_amount") == top).fill_null(False).alias("is_costliest")
            if top  # a drop-off costing nothing (or not valued) is not "the costliest"
            else pl.lit(False).alias("is_costliest")
        )
        return Result(frame, funnel.sql, funnel.params)

    def friction_priorities(self, filters: Filters, assumptions: dict[str, float] | None = None) -> Result:
        """Friction costs (Pareto order, cumulative share) with the complexity of their easiest
        roadmap fix and the impact/complexity quadrant: quick_win = cost at or above the median
        and complexity <= LOW_COMPLEXITY_MAX."""
        costs = self.friction_costs(filters, assumptions)
        fixes = self.run(
            "select friction_point, min(complexity) as complexity, "
            "string_agg(initiative_id || ' ' || initiative_name, '; ' order by initiative_id) as initiatives "
            "from mart_roadmap_initiatives where friction_point is not null group by 1"
        )
        frame = costs.frame.filter(pl.col("yearly_cost_amount").is_not_null())
        total = frame["yearly_cost_amount"].sum()
        median = frame["yearly_cost_amount"].median()
        frame = frame.join(fixes.frame, on="friction_point", how="left").with_columns(
            (100.0 * pl.col("yearly_cost_amount").cum_sum() / (total or None)).alias("cumulative_share_pct"),
            (100.0 * pl.col("yearly_cost_amount") / (total or None)).alias("share_pct"),
        )
        high = pl.col("yearly_cost_amount") >= (median if median is not None else 0)
        low = pl.col("complexity") <= LOW_COMPLEXITY_MAX
        frame = frame.with_columns(
            pl.when(pl.col("complexity").is_null())
            .then(pl.lit("no_fix_planned"))
            .when(high & low)
            .then(pl.lit("quick_win"))
            .when(high)
            .then(pl.lit("major_project"))
            .when(low)
            .then(pl.lit("fill_in"))
            .otherwise(pl.lit("deprioritise"))
            .alias("quadrant"),
            pl.lit(median).alias("impact_median_amount"),
            pl.lit(total).alias("total_yearly_cost_amount"),
        )
        return Result(frame, costs.sql + "\n;\n" + fixes.sql, costs.params)

    def month_scorecard(self, month: date, filters: Filters | None = None) -> Result:
        """Every metric for one calendar month, against the previous calendar month (MoM) and
        the same month a year before (YoY), each change with its significance; is_breach = past
        the alert threshold. The dimension filters apply; their period is replaced by the month."""
        base = filters or Filters()
        start = month.replace(day=1)
        end = month_end(start)
        prev_start = month_end(start - timedelta(days=1)).replace(day=1)
        year_start = minus_year(start)
        periods = {
            "month": replace(base, date_from=start, date_to=end, compare="none"),
            "previous_month": replace(
                base, date_from=prev_start, date_to=start - timedelta(days=1), compare="none"
            ),
            "year_ago": replace(base, date_from=year_start, date_to=month_end(year_start), compare="none"),
        }
        results = self.scorecards(periods)
        rows = []
        for now, prev, year in zip(*(r.frame.iter_rows(named=True) for r in results.values()), strict=True):
            m = METRICS[now["metric"]]
            row = {
                k: now[k]
                for k in (
                    "metric",
                    "label",
                    "unit",
                    "direction",
                    "value",
                    "n",
                    "margin",
                    "target",
                    "alert",
                    "status",
                    "is_small_sample",
                    "definition",
                )
            }
            for name, other in (("mom", prev), ("yoy", year)):
                change = now["value"] - other["value"] if None not in (now["value"], other["value"]) else None
                row[f"{name}_value"] = other["value"]
                row[f"{name}_change"] = change
                row[f"{name}_significant"] = significant(m, now["margin"], other["margin"], change)
            row["is_breach"] = now["status"] == "alert"
            rows.append(row)
        params = {name: f.describe() for name, f in periods.items()}
        return Result(pl.DataFrame(rows, infer_schema_length=None), results["month"].sql, params)
