"""The loyalty tiers page's queries: each tier's customers, revenue and metrics, and the customers
who moved between tiers."""

from __future__ import annotations

from datetime import date

import polars as pl

from warehouse.filters import TIER_ORDER, Filters, where_clause
from warehouse.queries.base import BaseWarehouse, Result


class LoyaltyTiersQueries(BaseWarehouse):
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
