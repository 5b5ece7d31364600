-- One row per day x channel x store x region x tier x segment x funnel step: the journey from
-- awareness to support as counts. Web and app steps come from sessions; purchase and later stages
-- count orders of every channel, store orders included; support counts tickets about an order.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- store_id is null on the session steps; channel and store_id are null on the support steps of
-- a ticket whose order is not in the data (its sales channel is unknown): "no channel" and
-- "no store" are values of the grain.
-- unique_key: activity_date, channel, store_id, region, tier, segment, step
-- nullable_key_columns: channel, store_id
with sessions as (
    select * from {{ ref('mart_daily_sessions') }}
),

orders as (
    select * from {{ ref('mart_daily_orders') }}
),

-- Post-purchase support: tickets about an order, counted under the order's sales channel.
tickets as (
    select * from {{ ref('fct_tickets') }} where order_id is not null
),

session_steps as (
    select activity_date, channel, store_id, region, tier, segment,
        'awareness' as stage, 1 as step_order, 'visits' as step, sum(count_sessions) as count_events
    from sessions group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'consideration', 2, 'product views', sum(count_product_views)
    from sessions group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'consideration', 3, 'added to cart', sum(count_add_to_cart)
    from sessions group by 1, 2, 3, 4, 5, 6
),

order_steps as (
    select activity_date, channel, store_id, region, tier, segment,
        'purchase' as stage, 4 as step_order, 'orders' as step, sum(count_orders) as count_events
    from orders group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'fulfillment', 5, 'delivered', sum(count_delivered)
    from orders group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'fulfillment', 6, 'delivered on time', sum(count_delivered_on_time)
    from orders group by 1, 2, 3, 4, 5, 6
),

support_steps as (
    select opened_date as activity_date, order_channel as channel, store_id, region, tier, segment,
        'support' as stage, 7 as step_order, 'post-purchase tickets' as step, count(*) as count_events
    from tickets group by 1, 2, 3, 4, 5, 6
    union all
    select opened_date, order_channel, store_id, region, tier, segment,
        'support', 8, 'resolved first time', sum(case when is_first_contact_resolution then 1 else 0 end)
    from tickets group by 1, 2, 3, 4, 5, 6
),

final as (
    select * from session_steps
    union all
    select * from order_steps
    union all
    select * from support_steps
)

select * from final
