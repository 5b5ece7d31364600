-- One row per day x channel x store x region x tier x segment: the additive parts of the order
-- metrics (AOV, return rate, on-time delivery), so a page never scans order lines.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- unique_key: activity_date, channel, store_id, region, tier, segment
-- incremental: activity_date
-- incremental_changes: fct_orders.order_date
with orders as (
    select * from {{ ref('fct_orders') }}
    where {{ changed('order_date') }}
),

final as (
    select
        order_date as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        count(*) as count_orders,
        sum(case when is_anonymous then 0 else 1 end) as count_identified_orders,
        sum(count_lines) as count_lines,
        sum(units_sold) as units_sold,
        sum(units_sold_return_reported) as units_sold_return_reported,
        sum(units_returned) as units_returned,
        sum(net_revenue_amount) as net_revenue_amount,
        sum(gross_margin_amount) as gross_margin_amount,
        sum(case when is_to_deliver then 1 else 0 end) as count_to_deliver,
        sum(case when is_delivered then 1 else 0 end) as count_delivered,
        sum(case when is_delivered_on_time then 1 else 0 end) as count_delivered_on_time,
        sum(case when is_delivered_late then 1 else 0 end) as count_delivered_late
    from orders
    group by 1, 2, 3, 4, 5, 6
)

select * from final
