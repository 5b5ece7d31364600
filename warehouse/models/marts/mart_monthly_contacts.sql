-- One row per month x contact channel x order's sales channel x store x region x tier x segment x
-- reason: mart_daily_contacts summed over each calendar month (activity_date is the month's first
-- day), read for a period's whole months (warehouse/rollups.py). Same columns as the daily mart
-- (tests/warehouse/test_rollups.py); built in full from it on every build.
-- cluster_by: activity_date
-- unique_key: activity_date, channel, order_channel, store_id, region, tier, segment, reason
-- nullable_key_columns: order_channel, store_id
with days as (
    select * from {{ ref('mart_daily_contacts') }}
),

final as (
    select
        cast(date_trunc('month', activity_date) as date) as activity_date,
        channel,
        order_channel,
        store_id,
        region,
        tier,
        segment,
        reason,
        cast(sum(count_contacts) as bigint) as count_contacts,
        cast(sum(count_followed_by_repeat) as bigint) as count_followed_by_repeat,
        cast(sum(count_window_closed_contacts) as bigint) as count_window_closed_contacts,
        cast(sum(count_window_closed_followed_by_repeat) as bigint) as count_window_closed_followed_by_repeat,
        cast(sum(count_repeat_contacts) as bigint) as count_repeat_contacts,
        cast(sum(count_agent_handled) as bigint) as count_agent_handled,
        sum(sum_handle_seconds) as sum_handle_seconds,
        cast(sum(count_with_wait) as bigint) as count_with_wait,
        sum(sum_wait_seconds) as sum_wait_seconds,
        cast(sum(count_long_waits) as bigint) as count_long_waits,
        cast(sum(count_transferred) as bigint) as count_transferred,
        cast(sum(count_transfers) as bigint) as count_transfers,
        cast(sum(count_self_served) as bigint) as count_self_served,
        sum(contact_cost_amount) as contact_cost_amount,
        cast(sum(count_anonymous_contacts) as bigint) as count_anonymous_contacts,
        sum(anonymous_contact_cost_amount) as anonymous_contact_cost_amount,
        cast(sum(count_order_contacts) as bigint) as count_order_contacts,
        cast(sum(count_tickets) as bigint) as count_tickets,
        cast(sum(count_resolved_tickets) as bigint) as count_resolved_tickets,
        cast(sum(count_fcr_tickets) as bigint) as count_fcr_tickets,
        cast(sum(count_window_closed_tickets) as bigint) as count_window_closed_tickets,
        cast(sum(count_window_closed_fcr_tickets) as bigint) as count_window_closed_fcr_tickets
    from days
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select * from final
