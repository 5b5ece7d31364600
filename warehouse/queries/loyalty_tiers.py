"""The loyalty tiers page's queries: each tier's customers, revenue and metrics, and the customers
who moved between tiers."""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from warehouse.filters import TIER_ORDER, Filters, where_clause
from warehouse.metrics import customer_filters, one_place
from warehouse.queries.base import BaseWarehouse, Result
from warehouse.rollups import mart_source


def _prefixed(where: str) -> str:
    """A customer filter's condition with its parameters renamed $c_<name> (customer_filters binds
    the same names as the event filters, e.g. $channel, with other rows in mind)."""
    return re.sub(r"\$(\w+)", r"$c_\1", where)


# A CLV resting on fewer churners than this is flagged (its lifetime, 1 / churn, is barely known:
# 6 churners of 140 customers imply 23 years); its margin of error (metrics.toml) says how much.
CLV_MIN_CHURNERS = 30
# Per tier, from the metric layer: (metric, with its n, with its margin)
TIER_METRICS = ("aov", "return_rate", "nps", "csat", "churn_rate", "clv", "cost_per_contact")


class LoyaltyTiersQueries(BaseWarehouse):
    # -- tiers ----------------------------------------------------------------------------
    def tier_performance(self, filters: Filters) -> Result:
        """Per tier: customers, revenue and its share, orders per customer, and the tier metrics,
        each survey and customer figure with its n (and margin).

        Customers belong to one tier, the one they hold on the period's last day, so the tiers add
        up to the customers who bought in the period; so do churn and CLV (their 12 months'
        customers by the same tier, warehouse/sql/customer_window.sql) and orders per customer (the
        period's orders of those customers). Orders, revenue, AOV, returns, answers and contacts
        are counted under the tier held when they happened. Non-members ('none') include anonymous
        orders and answers; contacts of no known customer are in no tier's cost to serve and are
        given apart (count_anonymous_contacts, anonymous_service_cost_amount on the 'none' row)."""
        f = self.resolve(filters)
        where, params = where_clause(f)
        contacts_where, _ = where_clause(f, mart="mart_daily_contacts")  # the same parameters
        # a preset period, or the period's whole months, from the marts' roll-ups (the same
        # parameters for both)
        span, presets = [(f.date_from, f.date_to)], self.preset_spans()
        orders_source, source_params = mart_source("mart_daily_orders", span, (), presets)
        contacts_source, _ = mart_source("mart_daily_contacts", span, (), presets)
        params.update(source_params)
        purchase_where, held_where, customer_params = customer_filters(f)
        params.update({f"c_{k}": v for k, v in customer_params.items()})
        held = _prefixed(held_where or "true")
        max_key = self.max_customer_key()
        distinct_customers = (
            f"coalesce(bit_count(bitstring_agg(bought.customer_key, 1, {int(max_key)})), 0)"
            if max_key
            else "count(distinct bought.customer_key)"
        )
        days = (f.date_to - f.date_from).days + 1
        preset = f.date_to in self.customer_period_ends() and days in self.period_order_days()
        place = one_place(f) if preset else None
        if place is not None and place[0] in ("all", "region") and place[2] == "all":
            # ... and the purchase filters and scope choose the whole business or one region, of
            # any channel (the default view, a region manager's): its buyers per tier and their
            # orders there are counted at build time (mart_customer_period_places). At 100M order
            # lines the default view's query 109-151 -> 14 ms, a region manager's page 181-196 ->
            # 45-56 ms.
            # the place is bound instead of the purchase filters and scope that chose it: of the
            # customer parameters only those of the tier and segment held are left
            used = set(re.findall(r"\$(\w+)", held))
            params = {k: v for k, v in params.items() if not k.startswith("c_") or k in used}
            params.update({"place_kind": place[0], "place": place[1]})
            customers = f"""customers as (
    select
        tier,
        cast(sum(count_customers_{int(days)}_days) as bigint) as count_customers,
        sum(count_orders_{int(days)}_days) as count_customer_orders
    from mart_customer_period_places
    where period_end_date = $date_to and place_kind = $place_kind and place = $place
        and channel_kind = 'all' and {held}
    group by 1
    having sum(count_customers_{int(days)}_days) > 0
),"""
        elif preset:
            # a "last N days" period (or its comparison, as long) whose buyers' places
            # mart_customer_periods holds with the tier they hold on its last day: no join. At
            # 100M order lines, 90 days of the web channel, this query 111 -> 24 ms for the gold
            # tier, 512 -> 81 ms for every tier (365 days: 1,277 -> 103 ms)
            customers = f"""customers as (
    select
        bought.tier,
        {distinct_customers} as count_customers,
        sum(bought.count_orders_{int(days)}_days) as count_customer_orders
    from mart_customer_periods as bought
    where bought.period_end_date = $date_to and bought.count_orders_{int(days)}_days > 0
        and {_prefixed(purchase_where)} and {held}
    group by 1
),"""
        else:
            customers = f"""-- the one tier each customer holds on the period's last day
held as (
    select customer_key, tier
    from mart_customer_tiers
    where valid_from_date <= $date_to and valid_to_date >= $date_to and {held}
),

-- per tier held: the customers who bought in the period where the channel, region and store
-- filters say, and their orders. Joined before grouping, so a chosen tier keeps only its holders'
-- purchase days (grouping every buyer by customer first took 177 ms at 50M order lines)
customers as (
    select
        held.tier,
        {distinct_customers} as count_customers,
        sum(bought.count_orders) as count_customer_orders
    from mart_customer_daily as bought
    inner join held on held.customer_key = bought.customer_key
    where bought.activity_date between $date_from and $date_to and {_prefixed(purchase_where)}
    group by 1
),"""
        sql = f"""
with orders as (
    select tier, sum(count_orders) as count_orders, sum(net_revenue_amount) as net_revenue_amount
    from {orders_source}
    where {where}
    group by 1
),

{customers}

contacts as (
    select
        tier,
        sum(contact_cost_amount) - sum(anonymous_contact_cost_amount) as service_cost_amount,
        sum(count_anonymous_contacts) as count_anonymous_contacts,
        sum(anonymous_contact_cost_amount) as anonymous_service_cost_amount
    from {contacts_source}
    where {contacts_where}
    group by 1
),

tiers as (
    select tier from orders union select tier from customers union select tier from contacts
),

final as (
    select
        tiers.tier,
        coalesce(customers.count_customers, 0) as count_customers,
        coalesce(orders.count_orders, 0) as count_orders,
        orders.net_revenue_amount,
        100.0 * orders.net_revenue_amount / sum(orders.net_revenue_amount) over () as revenue_share_pct,
        1.0 * customers.count_customer_orders / nullif(customers.count_customers, 0) as orders_per_customer,
        contacts.service_cost_amount,
        contacts.service_cost_amount / nullif(customers.count_customers, 0) as cost_to_serve_per_customer,
        case when tiers.tier = 'none' then contacts.count_anonymous_contacts end as count_anonymous_contacts,
        case when tiers.tier = 'none' then contacts.anonymous_service_cost_amount end
            as anonymous_service_cost_amount
    from tiers
    left join orders on orders.tier = tiers.tier
    left join customers on customers.tier = tiers.tier
    left join contacts on contacts.tier = tiers.tier
)

select * from final"""
        base = self.run(sql, params)
        frame = base.frame
        sqls = [base.sql]
        for result in self.metric_values(f, list(TIER_METRICS), ("tier",)):
            sqls.append(result.sql)
            cols = [c for c in result.frame.columns if c != "tier"]
            part = result.frame.select(
                pl.col("tier").cast(pl.Utf8),
                *[
                    pl.col(c)
                    .cast(pl.Int64 if c.endswith("__n") else pl.Float64)
                    .alias(c.replace("__value", ""))
                    for c in cols
                ],
            )
            frame = frame.join(part, on="tier", how="full", coalesce=True)
        frame = frame.with_columns(
            # churners = churn rate x its customers (the count CLV's lifetime rests on)
            (pl.col("churn_rate") * pl.col("churn_rate__n") / 100.0)
            .round(0)
            .cast(pl.Int64)
            .alias("count_churned"),
        ).with_columns(
            (pl.col("clv").is_not_null() & (pl.col("count_churned") < CLV_MIN_CHURNERS)).alias(
                "is_clv_few_churners"
            ),
        )
        order = {tier: i for i, tier in enumerate(TIER_ORDER)}
        frame = frame.sort(pl.col("tier").replace_strict(order, default=len(order)))
        return Result(frame, "\n;\n".join(sqls), params)

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
        if (date_a, date_b) in self.preset_periods():  # the page's default dates: counted at build time
            sql = f"""
select tier_from, tier_to, cast(sum(count_customers) as bigint) as count_customers
from mart_tier_migrations as a
where date_from = $date_a and date_to = $date_b {region}
group by 1, 2
order by 1, 2"""
            return self.run(sql, params)
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
