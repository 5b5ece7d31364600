-- One row per day x channel x store x region x tier x segment x friction point x cost driver:
-- how often each friction point happened, and the money amounts its cost needs. The cost itself
-- is computed at query time from these counts and the cost assumptions (warehouse/friction.py),
-- so the governance team can change an assumption and see the effect without a rebuild.
-- cost_driver is the contact channel for contact-based points (each channel has its own cost).
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- store_id is null for sessions and for contacts and answers about no order (or one not in the
-- data): "no store" is one value of the grain.
-- order_channel: on contact rows the sales channel of the order the contact is about (the channel
-- filter keeps a contact in a chosen channel or about its orders); null on the other rows.
-- unique_key: activity_date, channel, order_channel, store_id, region, tier, segment, friction_point, cost_driver
-- incremental: activity_date
-- incremental_changes: fct_sessions.session_date, fct_contacts.opened_date, fct_orders.order_date,
--     fct_survey_responses.answered_date
-- nullable_key_columns: order_channel, store_id
with sessions as (
    select * from {{ ref('fct_sessions') }}
    where {{ changed('session_date') }}
),

contacts as (
    select * from {{ ref('fct_contacts') }}
    where {{ changed('opened_date') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ changed('order_date') }}
),

responses as (
    select * from {{ ref('fct_survey_responses') }}
    where {{ changed('answered_date') }}
),

abandoned_carts as (
    select session_date as activity_date, channel, cast(null as varchar) as order_channel,
        cast(null as varchar) as store_id, region, tier, segment,
        'abandoned_carts' as friction_point, 'session' as cost_driver,
        count(*) as count_events, cast(0 as double) as value_amount
    from sessions
    where is_abandoned_cart
    group by 1, 2, 3, 4, 5, 6, 7
),

-- A repeat contact: a contact repeating an earlier one (same customer and reason within 7 days),
-- or a reopen of a case counted by the ticket tool (each reopen is one more contact).
repeat_contacts as (
    select opened_date as activity_date, channel, order_channel, store_id, region, tier, segment,
        'repeat_contacts' as friction_point, channel as cost_driver,
        sum(case when is_repeat then 1 else 0 end + count_reopens) as count_events,
        cast(0 as double) as value_amount
    from contacts
    where is_repeat or count_reopens > 0
    group by 1, 2, 3, 4, 5, 6, 7
),

transfers as (
    select opened_date as activity_date, channel, order_channel, store_id, region, tier, segment,
        'transfers' as friction_point, 'transfer' as cost_driver,
        sum(count_transfers) as count_events, cast(0 as double) as value_amount
    from contacts
    where count_transfers > 0
    group by 1, 2, 3, 4, 5, 6, 7
),

long_waits as (
    select opened_date as activity_date, channel, order_channel, store_id, region, tier, segment,
        'long_waits' as friction_point, channel as cost_driver,
        count(*) as count_events, cast(0 as double) as value_amount
    from contacts
    where is_long_wait
    group by 1, 2, 3, 4, 5, 6, 7
),

late_orders as (
    select order_date as activity_date, channel, cast(null as varchar) as order_channel, store_id, region, tier,
        segment,
        'late_deliveries' as friction_point, 'late_order' as cost_driver,
        count(*) as count_events, cast(0 as double) as value_amount
    from orders
    where is_delivered_late
    group by 1, 2, 3, 4, 5, 6, 7
),

-- "Where is my order" contacts are the service cost of late and uncertain deliveries.
wismo_contacts as (
    select opened_date as activity_date, channel, order_channel, store_id, region, tier, segment,
        'late_deliveries' as friction_point, channel as cost_driver,
        count(*) as count_events, cast(0 as double) as value_amount
    from contacts
    where reason = 'order_status'
    group by 1, 2, 3, 4, 5, 6, 7
),

preventable_returns as (
    select order_date as activity_date, channel, cast(null as varchar) as order_channel, store_id, region, tier,
        segment,
        'preventable_returns' as friction_point, 'returned_unit' as cost_driver,
        sum(units_returned_preventable) as count_events, sum(preventable_return_amount) as value_amount
    from orders
    where units_returned_preventable > 0
    group by 1, 2, 3, 4, 5, 6, 7
),

detractors as (
    select answered_date as activity_date, channel, cast(null as varchar) as order_channel, store_id, region,
        tier, segment,
        'detractor_churn' as friction_point, 'detractor' as cost_driver,
        count(*) as count_events, cast(0 as double) as value_amount
    from responses
    where is_detractor
    group by 1, 2, 3, 4, 5, 6, 7
),

final as (
    select * from abandoned_carts
    union all select * from repeat_contacts
    union all select * from transfers
    union all select * from long_waits
    union all select * from late_orders
    union all select * from wismo_contacts
    union all select * from preventable_returns
    union all select * from detractors
)

select * from final
