-- One row per day x survey (NPS and CSAT) x outcome x driver values x channel x store x region x
-- tier x segment x touchpoint x theme: the answers of mart_survey_answers counted, so the voice
-- page's drivers (warehouse/queries/voice.py voice_drivers: one OLS over groups weighed by their
-- count) sum mart_preset_answer_drivers for a preset period instead of grouping every answer of
-- the period: at 100M order lines the default 90 days' 1.7M answers on every view. The
-- operational drivers are false where mart_survey_answers has no fact (no order to deliver, no
-- contact), as the model reads them. Ordered by day, so a period filter skips the row groups
-- outside it (zonemaps); mart_survey_answers is stored with its follow-up list first.
-- theme is null for an answer without a comment (or not scored); store_id for an answer about
-- no order: "none" is one value of the grain.
-- cluster_by: activity_date
-- unique_key: activity_date, survey, is_promoter, is_detractor, is_csat_satisfied, is_delivered_late, is_repeat_contact, is_transferred, is_long_wait, channel, store_id, region, tier, segment, touchpoint, theme
-- nullable_key_columns: store_id, theme
-- incremental: activity_date
-- incremental_changes: mart_survey_answers.answered_date
with answers as (
    select * from {{ ref('mart_survey_answers') }}
    where survey in ('nps', 'csat') and {{ changed('answered_date') }}
),

final as (
    select
        answered_date as activity_date,
        survey,
        is_promoter,
        is_detractor,
        is_csat_satisfied,
        coalesce(is_delivered_late, false) as is_delivered_late,
        coalesce(is_repeat_contact, false) as is_repeat_contact,
        coalesce(is_transferred, false) as is_transferred,
        coalesce(is_long_wait, false) as is_long_wait,
        channel,
        store_id,
        region,
        tier,
        segment,
        touchpoint,
        theme,
        count(*) as count_answers
    from answers
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
)

select * from final
