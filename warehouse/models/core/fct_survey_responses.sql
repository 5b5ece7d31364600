-- One row per survey answer, classified (promoter / passive / detractor, CSAT top-2-box), with the
-- customer's tier, segment and region on the day and the store of the linked order.
-- unique_key: response_id
-- incremental: response_id
-- incremental_changes: stg_surveys__responses.response_id, stg_contacts__contacts.contact_id via contact_id,
--     fct_orders.order_id via order_id, dim_customer_tier_spells.customer_id via customer_id
with responses as (
    select * from {{ ref('stg_surveys__responses') }}
    where {{ changed('response_id') }}
),

orders as (
    select order_id, store_id, region as order_region, channel as order_channel from {{ ref('fct_orders') }}
),

contacts as (
    select contact_id, order_id as contact_order_id from {{ ref('stg_contacts__contacts') }}
),

spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
),

final as (
    select
        responses.response_id,
        responses.survey,
        responses.score,
        responses.answered_at,
        responses.answered_date,
        responses.customer_id,
        coalesce(responses.order_id, contacts.contact_order_id) as order_id,
        responses.contact_id,
        responses.touchpoint,
        coalesce(responses.channel, orders.order_channel, 'unknown') as channel,
        responses.comment,
        responses.survey = 'nps' and responses.score >= 9 as is_promoter,
        responses.survey = 'nps' and responses.score <= 6 as is_detractor,
        responses.survey = 'csat' and responses.score >= 4 as is_csat_satisfied,
        orders.store_id,
        coalesce(spells.tier, 'none') as tier,
        coalesce(spells.segment, 'unknown') as segment,
        -- the region of the order it is about (its store's), else the customer's on the day
        coalesce(orders.order_region, spells.region, 'unknown') as region
    from responses
    left join contacts on contacts.contact_id = responses.contact_id
    left join orders on orders.order_id = coalesce(responses.order_id, contacts.contact_order_id)
    left join spells
        on spells.customer_id = responses.customer_id
        and responses.answered_date between spells.valid_from_date and spells.valid_to_date
)

select * from final
