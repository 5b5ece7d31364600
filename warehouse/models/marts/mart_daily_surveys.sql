-- One row per day x channel x store x region x tier x segment x touchpoint: survey counts and
-- sums from which NPS, CSAT and CES and their margins of error are computed for any filter.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- store_id is null for an answer about no order, or an order not in the data: "no store" is one
-- value of the grain.
-- unique_key: activity_date, channel, store_id, region, tier, segment, touchpoint
-- incremental: activity_date
-- incremental_changes: fct_survey_responses.answered_date
-- nullable_key_columns: store_id
with responses as (
    select * from {{ ref('fct_survey_responses') }}
    where {{ changed('answered_date') }}
),

final as (
    select
        answered_date as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        touchpoint,
        count(*) filter (where survey = 'nps') as count_nps_responses,
        count(*) filter (where is_promoter) as count_promoters,
        count(*) filter (where is_detractor) as count_detractors,
        count(*) filter (where survey = 'csat') as count_csat_responses,
        count(*) filter (where is_csat_satisfied) as count_csat_satisfied,
        count(*) filter (where survey = 'ces') as count_ces_responses,
        cast(sum(case when survey = 'ces' then score else 0 end) as bigint) as sum_ces_score,
        cast(sum(case when survey = 'ces' then score * score else 0 end) as bigint) as sum_ces_score_squared
    from responses
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
