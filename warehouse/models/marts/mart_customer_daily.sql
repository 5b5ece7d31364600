-- One row per customer x day x channel x store x region x tier x segment with purchases: the base of
-- the customer-level metrics (churn, CLV, customers and orders per customer by tier), which are not
-- additive across days.
-- customer_key numbers the customers of this mart densely: the customer-level queries group and
-- count distinct on it, several times faster than on the text id (a key of this mart only).
-- Stored by tier, channel and day: the typical view filters a tier and a channel, and its rows then
-- sit in a few row groups that the scan picks by their min/max (zonemaps).
-- cluster_by: tier, channel, activity_date
-- unique_key: customer_id, activity_date, channel, store_id, region, tier, segment
-- incremental: activity_date
-- incremental_changes: fct_orders.order_date
-- dense_key: customer_key by customer_id
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
        cast(dense_rank() over (order by customer_id) as integer) as customer_key,
        * exclude (customer_id)
    from purchases
)

select * from final
