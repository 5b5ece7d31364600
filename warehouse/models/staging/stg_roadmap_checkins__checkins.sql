-- One row per monthly check-in of an initiative.
-- unique_key: initiative_id, checkin_date
with source as (
    select * from {{ source('raw', 'roadmap_checkins') }}
),

final as (
    select
        initiative_id,
        checkin_date,
        status,
        percent_complete,
        note
    from source
)

select * from final
