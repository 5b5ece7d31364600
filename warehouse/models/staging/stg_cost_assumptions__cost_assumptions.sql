-- One row per setting per version of the cost assumptions.
-- unique_key: version, setting
with source as (
    select * from {{ source('raw', 'cost_assumptions') }}
),

final as (
    select
        version,
        valid_from as valid_from_date,
        setting,
        value as setting_value,
        unit,
        description
    from source
)

select * from final
