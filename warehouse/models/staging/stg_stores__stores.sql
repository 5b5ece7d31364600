-- One row per store (online sales book to a virtual store per region).
-- unique_key: store_id
with source as (
    select * from {{ source('raw', 'stores') }}
),

final as (
    select
        store_id,
        name as store_name,
        region,
        coalesce(format, 'unknown') as store_format,
        opened_at as opened_date
    from source
)

select * from final
