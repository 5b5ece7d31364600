-- One row per day x contact channel x store x region x tier x segment x reason: the additive
-- parts of the service metrics (FCR, repeat contacts, AHT, wait, transfers, self-service, cost).
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- store_id is null for a contact about no order, or an order not in the data: "no store" is one
-- value of the grain.
-- order_channel is the sales channel of the order a contact is about (null: about no order, or one
-- not in the data): the channel filter keeps a contact in a chosen channel or about its orders.
-- unique_key: activity_date, channel, order_channel, store_id, region, tier, segment, reason
-- incremental: activity_date
-- incremental_changes: fct_contacts.opened_date, fct_tickets.opened_date
-- nullable_key_columns: order_channel, store_id
with contacts as (
    select * from {{ ref('fct_contacts') }}
    where {{ changed('opened_date') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
    where {{ changed('opened_date') }}
),

contacts_with_ticket as (
    select
        contacts.*,
        tickets.ticket_id is not null as is_ticket_opener,
        coalesce(tickets.is_resolved, false) as is_ticket_resolved,
        coalesce(tickets.is_first_contact_resolution, false) as is_ticket_fcr
    from contacts
    left join tickets on tickets.first_contact_id = contacts.contact_id
),

final as (
    select
        contacts_with_ticket.opened_date as activity_date,
        contacts_with_ticket.channel,
        contacts_with_ticket.order_channel,
        contacts_with_ticket.store_id,
        contacts_with_ticket.region,
        contacts_with_ticket.tier,
        contacts_with_ticket.segment,
        contacts_with_ticket.reason,
        count(*) as count_contacts,
        count(*) filter (where is_followed_by_repeat) as count_followed_by_repeat,
        -- Rates over contacts and tickets whose 7-day window has ended (fct_contacts).
        count(*) filter (where is_repeat_window_closed) as count_window_closed_contacts,
        count(*) filter (where is_repeat_window_closed and is_followed_by_repeat)
            as count_window_closed_followed_by_repeat,
        -- each reopen is a repeat contact on the same case
        cast(sum(case when is_repeat then 1 else 0 end + count_reopens) as bigint) as count_repeat_contacts,
        count(*) filter (where is_agent_handled and handle_seconds is not null) as count_agent_handled,
        sum(case when is_agent_handled then coalesce(handle_seconds, 0) else 0 end) as sum_handle_seconds,
        count(*) filter (where wait_seconds is not null) as count_with_wait,
        sum(coalesce(wait_seconds, 0)) as sum_wait_seconds,
        count(*) filter (where is_long_wait) as count_long_waits,
        count(*) filter (where count_transfers > 0) as count_transferred,
        cast(sum(count_transfers) as bigint) as count_transfers,
        count(*) filter (where is_self_served) as count_self_served,
        sum(contact_cost_amount) as contact_cost_amount,
        -- contacts from no known customer: in no tier's cost to serve per customer
        count(*) filter (where is_anonymous) as count_anonymous_contacts,
        sum(case when is_anonymous then contact_cost_amount else 0 end) as anonymous_contact_cost_amount,
        count(*) filter (where order_id is not null) as count_order_contacts,
        count(*) filter (where is_ticket_opener) as count_tickets,
        count(*) filter (where is_ticket_opener and is_ticket_resolved) as count_resolved_tickets,
        count(*) filter (where is_ticket_opener and is_ticket_fcr) as count_fcr_tickets,
        count(*) filter (where is_ticket_opener and is_repeat_window_closed)
            as count_window_closed_tickets,
        count(*) filter (where is_ticket_opener and is_repeat_window_closed and is_ticket_fcr)
            as count_window_closed_fcr_tickets
    from contacts_with_ticket
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select * from final
