-- One row per support contact.
-- unique_key: contact_id
with source as (
    select * from {{ source('raw', 'contacts') }}
),

final as (
    select
        contact_id,
        coalesce(ticket_id, contact_id) as ticket_id,
        customer_id,
        order_id,
        channel,
        opened_at,
        cast(opened_at as date) as opened_date,
        first_response_at,
        resolved_at,
        reason,
        handle_seconds,
        wait_seconds,
        coalesce(transfers, 0) as count_transfers,
        -- an export without transfer counts (Zendesk's) cannot say a contact was not transferred
        transfers is not null as is_transfer_count_known,
        coalesce(resolved_by, 'none') as resolved_by,
        agent_id,
        -- Repeat contacts a ticket tool counts inside one case (Zendesk Reopens).
        coalesce(reopens, 0) as count_reopens
    from source
)

select * from final
