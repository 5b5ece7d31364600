-- One row per tier spell of a customer (the CRM export carries the tier history).
-- unique_key: customer_id, tier_since_date
-- incremental: customer_id
-- incremental_changes: raw.customers.customer_id
with source as (
    select * from {{ source('raw', 'customers') }}
    where {{ changed('customer_id') }}
),

final as (
    select
        customer_id,
        tier,
        tier_since as tier_since_date,
        enrolled_at as enrolled_date,
        coalesce(region, 'unknown') as region,
        coalesce(segment, 'unknown') as segment,
        email_hash,
        marketing_opt_in as is_marketing_opt_in
    from source
)

select * from final
