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
        sum(count_orders) as count_orders,
        sum(count_identified_orders) as count_identified_orders,
        sum(count_lines) as count_lines,
        sum(units_sold) as units_sold,
        sum(units_sold_return_reported) as units_sold_return_reported,
        sum(units_returned) as units_returned,
        sum(net_revenue_amount) as net_revenue_amount,
        sum(gross_margin_amount) as gross_margin_amount,
        sum(count_to_deliver) as count_to_deliver,
        sum(count_delivered) as count_delivered,
        sum(count_delivered_on_time) as count_delivered_on_time,
        sum(count_delivered_late) as count_delivered_late
    from days
    group by 1, 2, 3, 4, 5, 6
)

select * from final
