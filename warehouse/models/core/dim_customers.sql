-- One row per customer: current tier, region and segment, and first and last purchase.
-- unique_key: customer_id
-- incremental: customer_id
-- incremental_changes: stg_orders__order_lines.customer_id, dim_customer_tier_spells.customer_id
with spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
),

order_lines as (
    select * from {{ ref('stg_orders__order_lines') }}
),

current_spell as (
    select * from spells where is_current and {{ changed('customer_id') }}
),

purchases as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(distinct order_id) as count_orders
    from order_lines
    where customer_id is not null and {{ changed('customer_id') }}
    group by 1
),

final as (
    select
        current_spell.customer_id,
        current_spell.tier,
        current_spell.valid_from_date as tier_since_date,
        current_spell.region,
        current_spell.segment,
        current_spell.enrolled_date,
        purchases.first_order_date,
        purchases.last_order_date,
        coalesce(purchases.count_orders, 0) as count_orders
    from current_spell
    left join purchases on purchases.customer_id = current_spell.customer_id
)

select * from final
