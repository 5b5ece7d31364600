-- One row per comment scored by the voice-of-the-customer step (voc/): its language, sentiment and
-- theme by the current model, and the md5 of the text it scored (a changed comment's old score no
-- longer matches and is not used).
-- unique_key: response_id
with source as (
    select * from {{ source('voc', 'comment_scores') }}
),

final as (
    select
        response_id,
        comment_md5,
        language,
        sentiment,
        theme,
        model_version,
        scored_by
    from source
)

select * from final
