-- One row per day x channel x store x region x tier x segment: the additive parts of the order
-- metrics (AOV, return rate, on-time delivery), so a page never scans order lines.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- Counts are BIGINT (count(*) filter, or a sum cast back): DuckDB sums integers into 128-bit
-- HUGEINT, which every page query then sums again about 20% slower. The other daily marts and
-- the monthly roll-ups do the same.
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
        cast(sum(case when is_anonymous then 0 else 1 end) as bigint) as count_identified_orders,
        cast(sum(count_lines) as bigint) as count_lines,
        cast(sum(units_sold) as bigint) as units_sold,
        cast(sum(units_sold_return_reported) as bigint) as units_sold_return_reported,
        cast(sum(units_returned) as bigint) as units_returned,
        sum(net_revenue_amount) as net_revenue_amount,
        sum(gross_margin_amount) as gross_margin_amount,
        count(*) filter (where is_to_deliver) as count_to_deliver,
        count(*) filter (where is_delivered) as count_delivered,
        count(*) filter (where is_delivered_on_time) as count_delivered_on_time,
        count(*) filter (where is_delivered_late) as count_delivered_late
    from orders
    group by 1, 2, 3, 4, 5, 6
)

select * from final
