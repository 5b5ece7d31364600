-- One row per preset period x channel x store x region x tier x segment: mart_daily_orders summed
-- over each "last N days" period the dashboard offers and each period it is compared with
-- (mart_preset_spans: the last 30, 90 and 365 days, the periods before them, the same periods a
-- year before). activity_date is the period's first day, period_to_date its last. A scorecard of
-- such a period (the default view) reads one row per group here instead of each day's rows
-- (warehouse/rollups.py). The daily mart's columns and period_to_date
-- (tests/warehouse/test_rollups.py); built in full from the daily mart on every build, as the
-- periods end on the data's as-of date.
-- cluster_by: activity_date
-- unique_key: activity_date, period_to_date, channel, store_id, region, tier, segment
with days as (
    select * from {{ ref('mart_daily_orders') }}
),

periods as (
    select * from {{ ref('mart_preset_spans') }}
),

final as (
    select
        periods.date_from as activity_date,
        periods.date_to as period_to_date,
        days.channel,
        days.store_id,
        days.region,
        days.tier,
        days.segment,
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
    from periods
    inner join days on days.activity_date between periods.date_from and periods.date_to
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
