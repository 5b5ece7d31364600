-- One row per web or app session, with a flag per funnel step reached (a session that reached
-- checkout also reached add_to_cart, product_view and visit).
-- unique_key: session_id
-- incremental: session_id
-- incremental_changes: stg_sessions__sessions.session_id, dim_customer_tier_spells.customer_id via customer_id
with sessions as (
    select * from {{ ref('stg_sessions__sessions') }}
    where {{ changed('session_id') }}
),

spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
),

stepped as (
    select
        *,
        case furthest_step
            when 'visit' then 1
            when 'product_view' then 2
            when 'add_to_cart' then 3
            when 'checkout' then 4
            when 'purchase' then 5
        end as step_rank
    from sessions
),

final as (
    select
        stepped.session_id,
        stepped.started_at,
        stepped.session_date,
        stepped.channel,
        stepped.customer_id,
        stepped.traffic_source,
        stepped.furthest_step,
        stepped.order_id,
        stepped.step_rank >= 2 as has_product_view,
        stepped.step_rank >= 3 as has_add_to_cart,
        stepped.step_rank >= 4 as has_checkout,
        stepped.step_rank >= 5 as has_purchase,
        stepped.step_rank in (3, 4) as is_abandoned_cart,
        coalesce(spells.tier, 'none') as tier,
        coalesce(spells.segment, 'unknown') as segment,
        coalesce(spells.region, 'unknown') as region
    from stepped
    left join spells
        on spells.customer_id = stepped.customer_id
        and stepped.session_date between spells.valid_from_date and spells.valid_to_date
)

select * from final
