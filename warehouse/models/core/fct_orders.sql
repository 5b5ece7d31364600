-- One row per order: its lines summed, its delivery judged against the promise, its returns, and
-- the customer's tier and segment on the day of the order; its region is its store's (else the
-- customer's on the day).
-- unique_key: order_id
-- incremental: order_id
-- incremental_changes: stg_orders__order_lines.order_id, dim_customer_tier_spells.customer_id via customer_id
with order_lines as (
    select * from {{ ref('stg_orders__order_lines') }}
    where {{ changed('order_id') }}
),

stores as (
    select * from {{ ref('dim_stores') }}
),

spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
),

assumptions as (
    select * from {{ ref('dim_cost_assumption_versions') }}
),

-- the gross margin of the cost assumptions' version applying on the order's day
margin as (
    select setting_value as gross_margin, applies_from_date, applies_to_date
    from assumptions
    where setting = 'gross_margin'
),

-- Returns that a better experience prevents (the friction point preventable_returns): the item
-- arrived damaged, wrong, not as described or late, or did not fit (what size guidance and richer
-- product content prevent: the roadmap pairs this cost with that fix); not a change of mind.
line_values as (
    select
        *,
        quantity * unit_price_amount - discount_amount as net_line_amount,
        return_reason in ('damaged', 'wrong_item', 'not_as_described', 'arrived_late', 'size_fit')
            as is_preventable_return
    from order_lines
),

order_totals as (
    select
        order_id,
        min(ordered_at) as ordered_at,
        min(order_date) as order_date,
        min(store_id) as store_id,
        min(channel) as channel,
        min(customer_id) as customer_id,
        min(fulfillment) as fulfillment,
        max(promised_at) as promised_at,
        max(delivered_at) as delivered_at,
        count(*) as count_lines,
        sum(quantity) as units_sold,
        sum(case when is_return_reported then quantity else 0 end) as units_sold_return_reported,
        sum(returned_quantity) as units_returned,
        sum(case when is_preventable_return then returned_quantity else 0 end) as units_returned_preventable,
        sum(case when is_preventable_return and quantity > 0
            then net_line_amount * returned_quantity / quantity else 0 end) as preventable_return_amount,
        sum(net_line_amount) as net_revenue_amount
    from line_values
    group by 1
),

final as (
    select
        order_totals.order_id,
        order_totals.ordered_at,
        order_totals.order_date,
        order_totals.store_id,
        order_totals.channel,
        order_totals.customer_id,
        order_totals.customer_id is null as is_anonymous,
        coalesce(spells.tier, 'none') as tier,
        coalesce(spells.segment, 'unknown') as segment,
        -- The one region rule (README, "Which region a fact belongs to"): the store's region, else the
        -- customer's on the day; the region filter and a region manager's scope both read it.
        coalesce(stores.region, spells.region, 'unknown') as region,
        order_totals.fulfillment,
        order_totals.promised_at,
        order_totals.delivered_at,
        -- to deliver: an order whose delivery is tracked (a promise or a delivery); a store sale is not
        order_totals.promised_at is not null or order_totals.delivered_at is not null as is_to_deliver,
        order_totals.delivered_at is not null as is_delivered,
        order_totals.delivered_at is not null and order_totals.promised_at is not null
            and order_totals.delivered_at <= order_totals.promised_at as is_delivered_on_time,
        order_totals.delivered_at is not null and order_totals.promised_at is not null
            and order_totals.delivered_at > order_totals.promised_at as is_delivered_late,
        order_totals.count_lines,
        order_totals.units_sold,
        order_totals.units_sold_return_reported,
        order_totals.units_returned,
        order_totals.units_returned_preventable,
        order_totals.preventable_return_amount,
        order_totals.net_revenue_amount,
        -- null without a gross_margin assumption: a margin of 0 would look like a measurement
        order_totals.net_revenue_amount * margin.gross_margin as gross_margin_amount
    from order_totals
    left join stores on stores.store_id = order_totals.store_id
    left join spells
        on spells.customer_id = order_totals.customer_id
        and order_totals.order_date between spells.valid_from_date and spells.valid_to_date
    left join margin
        on order_totals.order_date between margin.applies_from_date and margin.applies_to_date
)

select * from final
