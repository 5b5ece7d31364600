-- One row per survey answer (nps, csat or ces).
-- unique_key: response_id
-- incremental: response_id
-- incremental_changes: raw.surveys.response_id
with repeated_keys as (
    -- the latest export of each key wins, found as stg_orders__order_lines explains
    select response_id
    from {{ source('raw', 'surveys') }}
    where {{ changed('response_id') }}
    group by response_id
    having count(*) > 1
),

versions as (
    select response_id, _loaded_at, _run_id
    from {{ source('raw', 'surveys') }}
    semi join repeated_keys using (response_id)
    where {{ changed('response_id') }}
),

superseded as (
    select older.response_id, older._run_id
    from versions as older
    inner join versions as newer
        on newer.response_id = older.response_id
        and (newer._loaded_at > older._loaded_at
            or (newer._loaded_at = older._loaded_at and newer._run_id > older._run_id))
),

source as (
    select *
    from {{ source('raw', 'surveys') }}
    anti join superseded using (response_id, _run_id)
    where {{ changed('response_id') }}
),

final as (
    select
        response_id,
        survey,
        score,
        answered_at,
        -- the day in the business time zone (CX_TIME_ZONE); timestamps are UTC
        cast((answered_at at time zone 'UTC') at time zone {{ time_zone }} as date) as answered_date,
        customer_id,
        order_id,
        contact_id,
        coalesce(touchpoint, 'unknown') as touchpoint,
        channel,
        comment
    from source
)

select * from final
