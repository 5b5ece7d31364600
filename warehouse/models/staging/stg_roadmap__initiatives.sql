-- One row per roadmap initiative; day numbers count from the programme start (day 1).
-- unique_key: initiative_id
with source as (
    select * from {{ source('raw', 'roadmap') }}
),

final as (
    select
        initiative_id,
        name as initiative_name,
        phase,
        area,
        owner,
        programme_start as programme_start_date,
        start_day,
        end_day,
        coalesce(status, 'not_started') as status,
        coalesce(percent_complete, 0) as percent_complete,
        kpi as kpi_metric,
        baseline as kpi_baseline,
        target as kpi_target,
        friction_point,
        complexity
    from source
)

select * from final
