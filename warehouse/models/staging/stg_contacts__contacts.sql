-- One row per support contact.
-- unique_key: contact_id
-- incremental: contact_id
-- incremental_changes: raw.contacts.contact_id
with repeated_keys as (
    -- the latest export of each key wins, found as stg_orders__order_lines explains
    select contact_id
    from {{ source('raw', 'contacts') }}
    where {{ changed('contact_id') }}
    group by contact_id
    having count(*) > 1
),

versions as (
    select contact_id, _loaded_at, _run_id
    from {{ source('raw', 'contacts') }}
    semi join repeated_keys using (contact_id)
    where {{ changed('contact_id') }}
),

superseded as (
    select older.contact_id, older._run_id
    from versions as older
    inner join versions as newer
        on newer.contact_id = older.contact_id
        and (newer._loaded_at > older._loaded_at
            or (newer._loaded_at = older._loaded_at and newer._run_id > older._run_id))
),

source as (
    select *
    from {{ source('raw', 'contacts') }}
    anti join superseded using (contact_id, _run_id)
    where {{ changed('contact_id') }}
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
