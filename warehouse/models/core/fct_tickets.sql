-- One row per ticket (a support case; a contact without a ticket id is its own ticket), with the
-- first-contact-resolution flag: resolved, by a single contact, and no repeat contact on the same
-- reason within 7 days (a reopened case had one: fct_contacts.is_followed_by_repeat).
-- is_repeat_window_closed: the first contact's 7-day window has ended within the data, so
-- whether the ticket is FCR is known.
-- unique_key: ticket_id
-- incremental: ticket_id
-- incremental_changes: fct_contacts.ticket_id
with contacts as (
    select * from {{ ref('fct_contacts') }}
    where {{ changed('ticket_id') }}
),

ranked as (
    select
        *,
        row_number() over (partition by ticket_id order by opened_at, contact_id) as contact_rank
    from contacts
),

ticket_totals as (
    select
        ticket_id,
        count(*) as count_contacts,
        max(case when resolved_at is not null then 1 else 0 end) = 1 as is_resolved,
        max(case when is_followed_by_repeat then 1 else 0 end) = 1 as has_repeat_within_7_days
    from contacts
    group by 1
),

final as (
    select
        ranked.ticket_id,
        ranked.contact_id as first_contact_id,
        ranked.customer_id,
        ranked.channel,
        ranked.order_id,
        ranked.order_channel,
        ranked.reason,
        ranked.opened_at,
        ranked.opened_date,
        ranked.store_id,
        ranked.tier,
        ranked.segment,
        ranked.region,
        ranked.is_repeat_window_closed,
        ticket_totals.count_contacts,
        ticket_totals.is_resolved,
        ticket_totals.has_repeat_within_7_days,
        ticket_totals.is_resolved and ticket_totals.count_contacts = 1
            and not ticket_totals.has_repeat_within_7_days as is_first_contact_resolution
    from ranked
    inner join ticket_totals on ticket_totals.ticket_id = ranked.ticket_id
    where ranked.contact_rank = 1
)

select * from final
