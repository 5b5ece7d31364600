-- One row per store: the stores file's, plus every store that order lines name but no stores file
-- declares (the virtual store of a marketplace or web-shop export such as Olist or UCI Online
-- Retail), so store and region filters list it. Its region is unknown: the region of its orders
-- comes from their customers where known (fct_orders).
-- unique_key: store_id
with stores as (
    select * from {{ ref('stg_stores__stores') }}
),

order_lines as (
    select * from {{ ref('stg_orders__order_lines') }}
),

order_stores as (
    select store_id, min(channel) as channel
    from order_lines
    group by 1
),

undeclared_stores as (
    select
        order_stores.store_id,
        order_stores.store_id as store_name,
        'unknown' as region,
        case when order_stores.channel in ('web', 'app', 'marketplace') then 'online' else 'unknown' end
            as store_format,
        cast(null as date) as opened_date
    from order_stores
    anti join stores on stores.store_id = order_stores.store_id
),

all_stores as (
    select store_id, store_name, region, store_format, opened_date from stores
    union all
    select store_id, store_name, region, store_format, opened_date from undeclared_stores
),

final as (
    select
        store_id,
        store_name,
        region,
        store_format,
        store_format = 'online' as is_online,
        opened_date
    from all_stores
)

select * from final
