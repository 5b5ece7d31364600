-- One row per month x channel x store x region x tier x segment: mart_daily_orders summed over
-- each calendar month (activity_date is the month's first day). A period's whole months are read
-- here and only its partial months' days from the daily mart (warehouse/rollups.py), so a year's
-- trend or a month's scorecard reads about 30x fewer rows. Same columns as the daily mart
-- (tests/warehouse/test_rollups.py); built in full from it on every build (a fraction of a second).
-- cluster_by: activity_date
-- unique_key: activity_date, channel, store_id, region, tier, segment
with days as (
    select * from {{ ref('mart_daily_orders') }}
),

final as (
    select
        cast(date_trunc('month', activity_date) as date) as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        cast(sum(count_orders) as bigint) as count_orders,
        cast(sum(count_identified_orders) as bigint) as count_identified_orders,
        cast(sum(count_lines) as bigint) as count_lines,
        cast(sum(units_sold) as bigint) as units_sold,
        cast(sum(units_sold_return_reported) as bigint) as units_sold_return_reported,
        cast(sum(units_returned) as bigint) as units_returned,
        sum(net_revenue_amount) as net_revenue_amount,
        sum(gross_margin_amount) as gross_margin_amount,
        cast(sum(count_to_deliver) as bigint) as count_to_deliver,
        cast(sum(count_delivered) as bigint) as count_delivered,
        cast(sum(count_delivered_on_time) as bigint) as count_delivered_on_time,
        cast(sum(count_delivered_late) as bigint) as count_delivered_late
    from days
    group by 1, 2, 3, 4, 5, 6
)

select * from final
