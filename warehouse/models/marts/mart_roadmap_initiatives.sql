-- One row per roadmap initiative: its dates on the calendar, its latest check-in and the one
-- before (for status changes), and the KPI it promised to move. The KPI's measured value comes
-- from the metric layer at query time, so progress is the data's, not a typed percentage.
-- unique_key: initiative_id
with initiatives as (
    select * from {{ ref('stg_roadmap__initiatives') }}
),

checkins as (
    select * from {{ ref('stg_roadmap_checkins__checkins') }}
),

ranked_checkins as (
    select
        *,
        row_number() over (partition by initiative_id order by checkin_date desc) as checkin_rank
    from checkins
),

latest as (
    select * from ranked_checkins where checkin_rank = 1
),

previous as (
    select * from ranked_checkins where checkin_rank = 2
),

final as (
    select
        initiatives.initiative_id,
        initiatives.initiative_name,
        initiatives.phase,
        initiatives.area,
        initiatives.owner,
        initiatives.programme_start_date,
        initiatives.start_day,
        initiatives.end_day,
        cast(initiatives.programme_start_date + (initiatives.start_day - 1) * interval 1 day as date) as start_date,
        cast(initiatives.programme_start_date + (initiatives.end_day - 1) * interval 1 day as date) as end_date,
        coalesce(latest.status, initiatives.status) as status,
        coalesce(latest.percent_complete, initiatives.percent_complete) as percent_complete,
        latest.checkin_date as last_checkin_date,
        previous.status as previous_status,
        previous.checkin_date as previous_checkin_date,
        latest.note as last_note,
        initiatives.kpi_metric,
        initiatives.kpi_baseline,
        initiatives.kpi_target,
        initiatives.friction_point,
        initiatives.complexity
    from initiatives
    left join latest on latest.initiative_id = initiatives.initiative_id
    left join previous on previous.initiative_id = initiatives.initiative_id
)

select * from final
