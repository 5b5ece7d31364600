-- One row per store.
with stores as (
    select * from {{ ref('stg_pos__stores') }}
),

final as (
    select
        store_id,
        store_name,
        region,
        store_format,
        store_format = 'online' as is_online,
        opened_date
    from stores
)

select * from final
