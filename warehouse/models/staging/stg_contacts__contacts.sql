-- One row per support contact.
-- unique_key: contact_id
-- incremental: contact_id
-- incremental_changes: raw.contacts.contact_id
with source as (
    -- a record exported again with changed values was loaded again (an update): the latest
    -- export wins, the earlier versions stay in raw as lineage
    select * from {{ source('raw', 'contacts') }}
    where {{ changed('contact_id') }}
    qualify row_number() over (partition by contact_id order by _loaded_at desc, _run_id desc) = 1
),

final as (
    select
        contact_id,
        coalesce(ticket_id, contact_id) as ticket_id,
        customer_id,
        order_id,
        channel,
        opened_at,
        -- the day in the business time zone (CX_TIME_ZONE); timestamps are UTC
        cast((opened_at at time zone 'UTC') at time zone {{ time_zone }} as date) as opened_date,
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
