-- One row per preset period and mart_daily_comments' dimensions: its counts summed over each
-- "last N days" period the dashboard offers and each period it is compared with
-- (mart_preset_spans), as mart_preset_surveys does for the survey counts. activity_date is the
-- period's first day, period_to_date its last. The voice page's themes and emerging themes of
-- such a period (the default view) read one row per group here (warehouse/rollups.py). Built in
-- full from the daily mart on every build, as the periods end on the data's as-of date.
-- cluster_by: activity_date
-- unique_key: activity_date, period_to_date, language, theme, survey, is_promoter, is_detractor, is_csat_satisfied, channel, store_id, region, tier, segment, touchpoint
-- nullable_key_columns: language, theme, store_id
with days as (
    select * from {{ ref('mart_daily_comments') }}
),

periods as (
    select * from {{ ref('mart_preset_spans') }}
),

final as (
    select
        periods.date_from as activity_date,
        periods.date_to as period_to_date,
        days.language,
        days.theme,
        days.survey,
        days.is_promoter,
        days.is_detractor,
        days.is_csat_satisfied,
        days.channel,
        days.store_id,
        days.region,
        days.tier,
        days.segment,
        days.touchpoint,
        cast(sum(count_comments) as bigint) as count_comments,
        cast(sum(count_scored) as bigint) as count_scored,
        sum(sum_sentiment) as sum_sentiment,
        cast(sum(count_negative) as bigint) as count_negative
    from periods
    inner join days on days.activity_date between periods.date_from and periods.date_to
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
)

select * from final
