-- One row per VoC model version and language: whether its sentiment is measured (else why not),
-- how many comments it was fitted on and its cross-fitted AUC at fit time, and its theme labels.
-- unique_key: model_version, language
with source as (
    select * from {{ source('voc', 'model_languages') }}
),

final as (
    select
        model_version,
        language,
        status,
        reason,
        count_comments,
        count_labelled,
        fit_auc,
        themes as theme_labels_json,
        fitted_at
    from source
)

select * from final
