-- One row per preset period x contact channel x order's sales channel x store x region x tier x
-- segment x reason: mart_daily_contacts summed over each "last N days" period the dashboard offers
-- and each period it is compared with (mart_preset_spans: the last 30, 90 and 365 days, the
-- periods before them, the same periods a year before). activity_date is the period's first day,
-- period_to_date its last. A scorecard of such a period (the default view) reads one row per group
-- here instead of each day's rows (warehouse/rollups.py). The daily mart's columns and
-- period_to_date (tests/warehouse/test_rollups.py); built in full from the daily mart on every
-- build, as the periods end on the data's as-of date.
-- cluster_by: activity_date
-- unique_key: activity_date, period_to_date, channel, order_channel, store_id, region, tier, segment, reason
-- nullable_key_columns: order_channel, store_id
with days as (
    select * from {{ ref('mart_daily_contacts') }}
),

periods as (
    select * from {{ ref('mart_preset_spans') }}
),

final as (
    select
        periods.date_from as activity_date,
        periods.date_to as period_to_date,
        days.channel,
        days.order_channel,
        days.store_id,
        days.region,
        days.tier,
        days.segment,
        days.reason,
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
    from periods
    inner join days on days.activity_date between periods.date_from and periods.date_to
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
)

select * from final
