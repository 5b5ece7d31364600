-- One row per loaded order line, renamed and cast for the models above it. An export either
-- reports returns (a line without returned_quantity then returned none) or does not at all
-- (Olist, UCI Online Retail: no line has it); the return rate counts only exports that do.
-- unique_key: order_id, line_no
with source as (
    select * from {{ source('raw', 'orders') }}
),

final as (
    select
        order_id,
        line_no,
        ordered_at,
        cast(ordered_at as date) as order_date,
        store_id,
        channel,
        customer_id,
        sku,
        coalesce(category, 'unknown') as category,
        quantity,
        unit_price as unit_price_amount,
        coalesce(discount, 0) as discount_amount,
        coalesce(currency, 'GBP') as currency,
        coalesce(fulfillment, 'in_store') as fulfillment,
        promised_at,
        delivered_at,
        coalesce(returned_quantity, 0) as returned_quantity,
        bool_or(returned_quantity is not null) over (partition by _file_id) as is_return_reported,
        return_reason,
        _file_id as file_id,
        _row_number as file_row_number
    from source
)

select * from final
