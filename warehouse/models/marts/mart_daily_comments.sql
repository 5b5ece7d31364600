-- One row per day x language x theme x survey x outcome x channel x store x region x tier x segment
-- x touchpoint: the comments of fct_comments counted, so the voice page's themes, emerging themes
-- and sentiment trend sum the roll-ups of this mart (mart_monthly_comments, mart_preset_comments;
-- warehouse/rollups.py) instead of scanning every comment of the period: at 100M order lines a
-- year's trend read 2.3M comments and the 90 days' themes 568,000 on every view. Sentiment is
-- carried as its count and sum (mean = sum / count) and the count below -0.25 (a negative
-- comment, the trend's share); the sentiment accuracy needs each comment's sentiment and keeps
-- reading fct_comments.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- language and theme are null for a comment the VoC step has not scored; store_id for an answer
-- about no order: "none" is one value of the grain.
-- cluster_by: activity_date
-- unique_key: activity_date, language, theme, survey, is_promoter, is_detractor, is_csat_satisfied, channel, store_id, region, tier, segment, touchpoint
-- nullable_key_columns: language, theme, store_id
-- incremental: activity_date
-- incremental_changes: fct_comments.answered_date
with comments as (
    select * from {{ ref('fct_comments') }}
    where {{ changed('answered_date') }}
),

final as (
    select
        answered_date as activity_date,
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
        count(*) as count_comments,
        count(sentiment) as count_scored,
        sum(sentiment) as sum_sentiment,
        count(*) filter (where sentiment < -0.25) as count_negative
    from comments
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
)

select * from final
