-- One row per preset period and mart_daily_answer_drivers' dimensions: its answers summed over
-- each "last N days" period the dashboard offers and each period it is compared with
-- (mart_preset_spans). activity_date is the period's first day, period_to_date its last. The
-- voice page's drivers of such a period (the default view) read one row per group here
-- (warehouse/rollups.py). Built in full from the daily mart on every build, as the periods end
-- on the data's as-of date.
-- cluster_by: activity_date
-- unique_key: activity_date, period_to_date, survey, is_promoter, is_detractor, is_csat_satisfied, is_delivered_late, is_repeat_contact, is_transferred, is_long_wait, channel, store_id, region, tier, segment, touchpoint, theme
-- nullable_key_columns: store_id, theme
with days as (
    select * from {{ ref('mart_daily_answer_drivers') }}
),

periods as (
    select * from {{ ref('mart_preset_spans') }}
),

final as (
    select
        periods.date_from as activity_date,
        periods.date_to as period_to_date,
        days.survey,
        days.is_promoter,
        days.is_detractor,
        days.is_csat_satisfied,
        days.is_delivered_late,
        days.is_repeat_contact,
        days.is_transferred,
        days.is_long_wait,
        days.channel,
        days.store_id,
        days.region,
        days.tier,
        days.segment,
        days.touchpoint,
        days.theme,
        cast(sum(count_answers) as bigint) as count_answers
    from periods
    inner join days on days.activity_date between periods.date_from and periods.date_to
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17
)

select * from final
