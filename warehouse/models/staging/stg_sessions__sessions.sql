-- One row per web or app session.
-- unique_key: session_id
-- incremental: session_id
-- incremental_changes: raw.sessions.session_id
with source as (
    -- a record exported again with changed values was loaded again (an update): the latest
    -- export wins, the earlier versions stay in raw as lineage
    select * from {{ source('raw', 'sessions') }}
    where {{ changed('session_id') }}
    qualify row_number() over (partition by session_id order by _loaded_at desc, _run_id desc) = 1
),

final as (
    select
        session_id,
        started_at,
        -- the day in the business time zone (CX_TIME_ZONE); timestamps are UTC
        cast((started_at at time zone 'UTC') at time zone {{ time_zone }} as date) as session_date,
        channel,
        customer_id,
        coalesce(source, 'unknown') as traffic_source,
        furthest_step,
        order_id
    from source
)

select * from final
