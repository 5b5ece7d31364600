-- One row per survey answer (nps, csat or ces).
-- unique_key: response_id
-- incremental: response_id
-- incremental_changes: raw.surveys.response_id
with source as (
    -- a record exported again with changed values was loaded again (an update): the latest
    -- export wins, the earlier versions stay in raw as lineage
    select * from {{ source('raw', 'surveys') }}
    where {{ changed('response_id') }}
    qualify row_number() over (partition by response_id order by _loaded_at desc, _run_id desc) = 1
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
