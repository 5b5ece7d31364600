-- One row per month and mart_daily_comments' dimensions: its counts summed over each calendar
-- month (activity_date is the month's first day), read for a period's whole months
-- (warehouse/rollups.py): the voice page's sentiment trend of a year. Same columns as the daily
-- mart (tests/warehouse/test_rollups.py); built in full from it on every build.
-- cluster_by: activity_date
-- unique_key: activity_date, language, theme, survey, is_promoter, is_detractor, is_csat_satisfied, channel, store_id, region, tier, segment, touchpoint
-- nullable_key_columns: language, theme, store_id
with days as (
    select * from {{ ref('mart_daily_comments') }}
),

final as (
    select
        cast(date_trunc('month', activity_date) as date) as activity_date,
        language,
        theme,
        survey,
        is_promoter,
        is_detractor,
        is_csat_satisfied,
        channel,
        store_id,
        region,
        tier,
        segment,
        touchpoint,
        cast(sum(count_comments) as bigint) as count_comments,
        cast(sum(count_scored) as bigint) as count_scored,
        sum(sum_sentiment) as sum_sentiment,
        cast(sum(count_negative) as bigint) as count_negative
    from days
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
)

select * from final
