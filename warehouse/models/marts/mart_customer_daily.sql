-- One row per customer x day x channel x store x region x tier x segment with purchases: the base of
-- the customer-level metrics (churn, CLV, customers and orders per customer by tier), which are not
-- additive across days.
-- customer_key numbers the customers of this mart densely: the customer-level queries group and
-- count distinct on it, several times faster than on the text id (a key of this mart only). It
-- numbers them in the order of their first purchase, then of their id, so that a day's new
-- customers are numbered after everyone else and leave the others' keys as they were (at 10M order
-- lines, in id order a day's 625 new customers renumbered 742k of 744k): mart_customer_periods
-- keeps its rows of a customer whose purchases and tier a day did not touch (warehouse/sliding.py).
-- Stored by tier, channel and day: the typical view filters a tier and a channel, and its rows then
-- sit in a few row groups that the scan picks by their min/max (zonemaps).
-- cluster_by: tier, channel, activity_date
-- unique_key: customer_id, activity_date, channel, store_id, region, tier, segment
-- incremental: activity_date
-- incremental_changes: fct_orders.order_date
-- dense_key: customer_key by customer_id ordered_by min(activity_date)
with orders as (
    select * from {{ ref('fct_orders') }}
    where {{ changed('order_date') }}
),

purchases as (
    select
        customer_id,
        order_date as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        count(*) as count_orders,
        sum(net_revenue_amount) as net_revenue_amount,
        sum(gross_margin_amount) as gross_margin_amount
    from orders
    where not is_anonymous
    group by 1, 2, 3, 4, 5, 6, 7
),

final as (
    select
        customer_id,
        cast(dense_rank() over (order by first_purchase_date, customer_id) as integer) as customer_key,
        * exclude (customer_id, first_purchase_date)
    from (select *, min(activity_date) over (partition by customer_id) as first_purchase_date from purchases)
)

select * from final
