-- One row per web or app session.
-- unique_key: session_id
with source as (
    select * from {{ source('raw', 'sessions') }}
),

final as (
    select
        session_id,
        started_at,
        cast(started_at as date) as session_date,
        channel,
        customer_id,
        coalesce(source, 'unknown') as traffic_source,
        furthest_step,
        order_id
    from source
)

select * from final
