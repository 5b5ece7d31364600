-- One row per month x channel x store x region x tier x segment x touchpoint: mart_daily_surveys
-- summed over each calendar month (activity_date is the month's first day), read for a period's
-- whole months (warehouse/rollups.py). Same columns as the daily mart
-- (tests/warehouse/test_rollups.py); built in full from it on every build.
-- cluster_by: activity_date
-- unique_key: activity_date, channel, store_id, region, tier, segment, touchpoint
-- nullable_key_columns: store_id
with days as (
    select * from {{ ref('mart_daily_surveys') }}
),

final as (
    select
        cast(date_trunc('month', activity_date) as date) as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        touchpoint,
        cast(sum(count_nps_responses) as bigint) as count_nps_responses,
        cast(sum(count_promoters) as bigint) as count_promoters,
        cast(sum(count_detractors) as bigint) as count_detractors,
        cast(sum(count_csat_responses) as bigint) as count_csat_responses,
        cast(sum(count_csat_satisfied) as bigint) as count_csat_satisfied,
        cast(sum(count_ces_responses) as bigint) as count_ces_responses,
        cast(sum(sum_ces_score) as bigint) as sum_ces_score,
        cast(sum(sum_ces_score_squared) as bigint) as sum_ces_score_squared
    from days
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
