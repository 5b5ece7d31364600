-- One row per preset period x channel x region x tier x segment x traffic source:
-- mart_daily_sessions summed over each "last N days" period the dashboard offers and each period it
-- is compared with (mart_preset_spans: the last 30, 90 and 365 days, the periods before them, the
-- same periods a year before). activity_date is the period's first day, period_to_date its last. A
-- scorecard of such a period (the default view) reads one row per group here instead of each day's
-- rows (warehouse/rollups.py). The daily mart's columns and period_to_date
-- (tests/warehouse/test_rollups.py); built in full from the daily mart on every build, as the
-- periods end on the data's as-of date.
-- cluster_by: activity_date
-- unique_key: activity_date, period_to_date, channel, store_id, region, tier, segment, traffic_source
-- nullable_key_columns: store_id
with days as (
    select * from {{ ref('mart_daily_sessions') }}
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
        days.traffic_source,
        cast(sum(count_sessions) as bigint) as count_sessions,
        cast(sum(count_product_views) as bigint) as count_product_views,
        cast(sum(count_add_to_cart) as bigint) as count_add_to_cart,
        cast(sum(count_checkouts) as bigint) as count_checkouts,
        cast(sum(count_purchases) as bigint) as count_purchases,
        cast(sum(count_abandoned_carts) as bigint) as count_abandoned_carts
    from periods
    inner join days on days.activity_date between periods.date_from and periods.date_to
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select * from final
