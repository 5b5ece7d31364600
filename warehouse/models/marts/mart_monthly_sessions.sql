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
        cast(sum(count_sessions) as bigint) as count_sessions,
        cast(sum(count_product_views) as bigint) as count_product_views,
        cast(sum(count_add_to_cart) as bigint) as count_add_to_cart,
        cast(sum(count_checkouts) as bigint) as count_checkouts,
        cast(sum(count_purchases) as bigint) as count_purchases,
        cast(sum(count_abandoned_carts) as bigint) as count_abandoned_carts
    from days
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
