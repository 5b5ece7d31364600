-- One row per support contact, with the repeat-contact flags (same customer, same reason, within
-- 7 days; or reopened: a ticket tool's count of repeat contacts inside the case), its cost and
-- long-wait flag (by the cost assumptions' version applying on the day), and the customer's tier,
-- segment and region on the day.
-- unique_key: contact_id
-- Built incrementally: a contact's repeat flags look at the customer's (an anonymous contact's:
-- its ticket's) other contacts, so a rebuilt contact takes along every contact of its customer and
-- ticket; whether its 7-day window has closed depends on the latest contact of all, so the
-- contacts of the last 7 days are rebuilt whenever new contacts arrive.
-- incremental: contact_id
-- incremental_changes: stg_contacts__contacts.contact_id, stg_contacts__contacts.customer_id via customer_id,
--     stg_contacts__contacts.ticket_id via ticket_id, fct_orders.order_id via order_id,
--     dim_customer_tier_spells.customer_id via customer_id
-- incremental_also: opened_at > (select max(opened_at) - interval 7 day from {{ this }})
-- incremental_closure: customer_id, ticket_id
with contacts as (
    select * from {{ ref('stg_contacts__contacts') }}
    where {{ changed('contact_id') }}
),

orders as (
    select order_id, store_id, channel as order_channel, region as order_region from {{ ref('fct_orders') }}
),

spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
),

assumptions as (
    select * from {{ ref('dim_cost_assumption_versions') }}
),

-- The latest contact in the data: a contact opened less than 7 days before it has not had its
-- full window for a repeat yet (its "no repeat" is not known), so rates leave it out.
data_end as (
    select max(opened_at) as latest_opened_at from {{ ref('stg_contacts__contacts') }}
),

-- Anonymous contacts are followed within their own ticket only.
sequenced as (
    select
        *,
        coalesce(customer_id, ticket_id) as follower_key,
        lead(opened_at) over (
            partition by coalesce(customer_id, ticket_id), reason order by opened_at, contact_id
        ) as next_same_reason_at,
        lag(opened_at) over (
            partition by coalesce(customer_id, ticket_id), reason order by opened_at, contact_id
        ) as previous_same_reason_at
    from contacts
),

final as (
    select
        sequenced.contact_id,
        sequenced.ticket_id,
        sequenced.customer_id,
        sequenced.order_id,
        sequenced.channel,
        sequenced.opened_at,
        sequenced.opened_date,
        sequenced.reason,
        sequenced.handle_seconds,
        sequenced.wait_seconds,
        sequenced.count_transfers,
        sequenced.resolved_by,
        sequenced.resolved_at,
        sequenced.first_response_at,
        (sequenced.next_same_reason_at is not null
            and sequenced.next_same_reason_at <= sequenced.opened_at + interval 7 day)
            or sequenced.count_reopens > 0 as is_followed_by_repeat,
        sequenced.count_reopens,
        sequenced.previous_same_reason_at is not null
            and sequenced.opened_at <= sequenced.previous_same_reason_at + interval 7 day as is_repeat,
        sequenced.opened_at + interval 7 day <= data_end.latest_opened_at as is_repeat_window_closed,
        -- Agent-handled: everything not closed by the bot or the self-service channel (AHT base).
        sequenced.resolved_by <> 'bot' and sequenced.channel <> 'self_service' as is_agent_handled,
        -- Self-served (the self-service rate's numerator): resolved, and by the bot or on the
        -- self-service channel without an agent; an unresolved self-service contact is not served.
        sequenced.resolved_at is not null and sequenced.resolved_by <> 'agent'
            and (sequenced.resolved_by = 'bot' or sequenced.channel = 'self_service') as is_self_served,
        coalesce(cost.setting_value, 0) as contact_cost_amount,
        coalesce(sequenced.wait_seconds > threshold.setting_value, false) as is_long_wait,
        sequenced.customer_id is null as is_anonymous,
        orders.store_id,
        orders.order_channel,
        coalesce(spells.tier, 'none') as tier,
        coalesce(spells.segment, 'unknown') as segment,
        -- the region of the order it is about (its store's), else the customer's on the day
        coalesce(orders.order_region, spells.region, 'unknown') as region
    from sequenced
    cross join data_end
    left join orders on orders.order_id = sequenced.order_id
    left join assumptions as cost
        on cost.setting = 'cost_per_contact_' || sequenced.channel
        and sequenced.opened_date between cost.applies_from_date and cost.applies_to_date
    left join assumptions as threshold
        on threshold.setting = 'wait_threshold_seconds'
        and sequenced.opened_date between threshold.applies_from_date and threshold.applies_to_date
    left join spells
        on spells.customer_id = sequenced.customer_id
        and sequenced.opened_date between spells.valid_from_date and spells.valid_to_date
)

select * from final
