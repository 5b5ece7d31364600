-- One row per loaded order header (Olist orders), for the retention mart only: order-line profiles
-- look their order's time, customer, promise and delivery up in it at ingest, so the order models
-- read raw.orders. The latest export of a header wins, as for order lines.
-- unique_key: order_id
with source as (
    select * from {{ source('raw', 'order_headers') }}
    qualify row_number() over (partition by order_id order by _loaded_at desc, _run_id desc) = 1
),

final as (
    select
        order_id,
        ordered_at,
        customer_id,
        status as order_status,
        _file_id as file_id,
        _row_number as file_row_number
    from source
)

select * from final
