-- One row per month x channel x region x tier x segment x traffic source: mart_daily_sessions
-- summed over each calendar month (activity_date is the month's first day), read for a period's
-- whole months (warehouse/rollups.py). Same columns as the daily mart
-- (tests/warehouse/test_rollups.py); built in full from it on every build.
-- cluster_by: activity_date
-- unique_key: activity_date, channel, store_id, region, tier, segment, traffic_source
-- nullable_key_columns: store_id
with days as (
    select * from {{ ref('mart_daily_sessions') }}
),

final as (
    select
        cast(date_trunc('month', activity_date) as date) as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        traffic_source,
        sum(count_sessions) as count_sessions,
        sum(count_product_views) as count_product_views,
        sum(count_add_to_cart) as count_add_to_cart,
        sum(count_checkouts) as count_checkouts,
        sum(count_purchases) as count_purchases,
        sum(count_abandoned_carts) as count_abandoned_carts
    from days
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
