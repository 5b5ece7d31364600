-- One row per day x channel x store x region x tier x segment x funnel step: the journey as counts,
-- in three journeys each read over its own denominators (warehouse/queries/journey_funnel.py):
-- - digital: web and app sessions -> product views -> added to cart -> checkout -> orders from
--   sessions (sessions that reached purchase);
-- - fulfilment: orders to deliver (a promise or a delivery is tracked) -> delivered -> on time;
-- - support: tickets about an order (read per 100 orders) -> resolved first time (of the tickets
--   whose 7-day window has ended, as FCR counts them);
-- and the orders of every sales channel (step 'orders', by channel): store orders have no session,
-- so they are their own line, never a step after the cart.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- store_id is null on the session steps; channel and store_id are null on the support steps of
-- a ticket whose order is not in the data (its sales channel is unknown): "no channel" and
-- "no store" are values of the grain.
-- unique_key: activity_date, channel, store_id, region, tier, segment, step
-- incremental: activity_date
-- incremental_changes: mart_daily_sessions.activity_date, mart_daily_orders.activity_date, fct_tickets.opened_date
-- nullable_key_columns: channel, store_id
with sessions as (
    select * from {{ ref('mart_daily_sessions') }}
    where {{ changed('activity_date') }}
),

orders as (
    select * from {{ ref('mart_daily_orders') }}
    where {{ changed('activity_date') }}
),

-- Post-purchase support: tickets about an order, counted under the order's sales channel.
tickets as (
    select * from {{ ref('fct_tickets') }} where order_id is not null and {{ changed('opened_date') }}
),

session_steps as (
    select activity_date, channel, store_id, region, tier, segment,
        'digital' as journey, 'awareness' as stage, 1 as step_order, 'sessions' as step,
        sum(count_sessions) as count_events
    from sessions group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'digital', 'consideration', 2, 'product views', sum(count_product_views)
    from sessions group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'digital', 'consideration', 3, 'added to cart', sum(count_add_to_cart)
    from sessions group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'digital', 'purchase', 4, 'checkout', sum(count_checkouts)
    from sessions group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'digital', 'purchase', 5, 'orders from sessions', sum(count_purchases)
    from sessions group by 1, 2, 3, 4, 5, 6
),

order_steps as (
    select activity_date, channel, store_id, region, tier, segment,
        'orders' as journey, 'purchase' as stage, 6 as step_order, 'orders' as step,
        sum(count_orders) as count_events
    from orders group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'fulfilment', 'fulfillment', 7, 'orders to deliver', sum(count_to_deliver)
    from orders group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'fulfilment', 'fulfillment', 8, 'delivered', sum(count_delivered)
    from orders group by 1, 2, 3, 4, 5, 6
    union all
    select activity_date, channel, store_id, region, tier, segment,
        'fulfilment', 'fulfillment', 9, 'delivered on time', sum(count_delivered_on_time)
    from orders group by 1, 2, 3, 4, 5, 6
),

support_steps as (
    select opened_date as activity_date, order_channel as channel, store_id, region, tier, segment,
        'support' as journey, 'support' as stage, 10 as step_order, 'post-purchase tickets' as step,
        count(*) as count_events
    from tickets group by 1, 2, 3, 4, 5, 6
    union all
    select opened_date, order_channel, store_id, region, tier, segment,
        'support', 'support', 11, 'tickets with a closed 7-day window',
        sum(case when is_repeat_window_closed then 1 else 0 end)
    from tickets group by 1, 2, 3, 4, 5, 6
    union all
    select opened_date, order_channel, store_id, region, tier, segment,
        'support', 'support', 12, 'resolved first time',
        sum(case when is_repeat_window_closed and is_first_contact_resolution then 1 else 0 end)
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
