-- One row per survey answer (nps, csat or ces).
-- unique_key: response_id
with source as (
    select * from {{ source('raw', 'surveys') }}
),

final as (
    select
        response_id,
        survey,
        score,
        answered_at,
        cast(answered_at as date) as answered_date,
        customer_id,
        order_id,
        contact_id,
        coalesce(touchpoint, 'unknown') as touchpoint,
        channel,
        comment
    from source
)

select * from final
