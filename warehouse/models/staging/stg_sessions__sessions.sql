-- One row per web or app session.
-- unique_key: session_id
-- incremental: session_id
-- incremental_changes: raw.sessions.session_id
with repeated_keys as (
    -- the latest export of each key wins, found as stg_orders__order_lines explains
    select session_id
    from {{ source('raw', 'sessions') }}
    where {{ changed('session_id') }}
    group by session_id
    having count(*) > 1
),

versions as (
    select session_id, _loaded_at, _run_id
    from {{ source('raw', 'sessions') }}
    semi join repeated_keys using (session_id)
    where {{ changed('session_id') }}
),

superseded as (
    select older.session_id, older._run_id
    from versions as older
    inner join versions as newer
        on newer.session_id = older.session_id
        and (newer._loaded_at > older._loaded_at
            or (newer._loaded_at = older._loaded_at and newer._run_id > older._run_id))
),

source as (
    select *
    from {{ source('raw', 'sessions') }}
    anti join superseded using (session_id, _run_id)
    where {{ changed('session_id') }}
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
