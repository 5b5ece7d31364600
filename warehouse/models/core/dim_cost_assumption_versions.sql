-- One row per setting and version of the cost assumptions, with the days it applies to: a version
-- applies from its valid_from_date until the day before the next version of the same setting;
-- the first version of a setting also covers the days before it (history loaded before any cost
-- was written down is valued with the first known value rather than not at all). Facts and the
-- friction cost model value a day with the version applying on that day; dim_cost_assumptions
-- keeps the latest version (what the what-if editor starts from).
-- unique_key: setting, valid_from_date
with assumptions as (
    select * from {{ ref('stg_cost_assumptions__cost_assumptions') }}
),

-- two versions of a setting from the same day: the higher version wins
deduplicated as (
    select *
    from assumptions
    qualify row_number() over (partition by setting, valid_from_date order by version desc) = 1
),

final as (
    select
        setting,
        version,
        setting_value,
        valid_from_date,
        case when row_number() over (partition by setting order by valid_from_date) = 1
            then date '0001-01-01' else valid_from_date end as applies_from_date,
        coalesce(
            cast(lead(valid_from_date) over (partition by setting order by valid_from_date)
                - interval 1 day as date),
            date '9999-12-31'
        ) as applies_to_date
    from deduplicated
)

select * from final
