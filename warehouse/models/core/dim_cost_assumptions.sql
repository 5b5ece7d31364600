-- One row per setting: the value of the latest version of the cost assumptions. Earlier versions
-- stay in stg_cost_assumptions__cost_assumptions for audit.
-- unique_key: setting
with assumptions as (
    select * from {{ ref('stg_cost_assumptions__cost_assumptions') }}
),

ranked as (
    select
        *,
        row_number() over (partition by setting order by version desc) as version_rank
    from assumptions
),

final as (
    select
        setting,
        setting_value,
        unit,
        description,
        version,
        valid_from_date
    from ranked
    where version_rank = 1
)

select * from final
