-- One row per survey answer with what happened around it, joined once here so the voice of the
-- customer page reads one table clustered by day instead of looking every period's answers up in
-- the order, contact, CRM and comment tables (each a scan of a whole fact per view):
-- - its order: value, whether it was to be delivered, late, and by how many days;
-- - its own contact: repeat, transferred, long wait (the drivers of NPS and CSAT);
-- - its story (the follow-up list, warehouse/queries/follow_up.py): the contacts around it (its
--   own, those about its order, and its customer's in the 30 days up to it), how many,
--   whether one was a repeat, and their reasons;
-- - the customer: the id the export gives (else its order's), and for an answer known only by its
--   salted e-mail hash the loyalty CRM's customer_id with the same hash, and which of these it is;
-- - its comment's language, sentiment and theme from the VoC step (fct_comments; null for a comment
--   the step has not scored, and for an answer without a comment: has_comment tells them apart).
-- - whether it belongs on the follow-up list (warehouse/queries/follow_up.py): an NPS detractor
--   (0-6, fct_survey_responses) or a low CSAT answer (1-2 of 5: the bottom two boxes, the mirror of
--   CSAT's top-2-box "satisfied"; a 3 is neutral). This is the list's one rule.
-- Stored with the listed answers first, then by day: the follow-up list reads a period's listed
-- answers only (clustered by day alone, it decompressed every answer's comment and contact
-- reasons of the period to keep a few percent of them: 60-100 ms at 50M order lines, 15 ms now).
-- Built incrementally by answer: a changed answer, comment, order, contact or CRM row rebuilds the
-- answers it belongs to (a contact: those of its own id, its order and its customer).
-- cluster_by: is_on_follow_up_list, answered_date
-- unique_key: response_id
-- incremental: response_id
-- incremental_changes: fct_survey_responses.response_id, fct_comments.response_id,
--     fct_orders.order_id via order_id, fct_contacts.contact_id via contact_id,
--     fct_contacts.order_id via order_id, fct_contacts.customer_id via customer_id,
--     stg_customers__customer_tiers.email_hash via customer_id
with answers as (
    select * from {{ ref('fct_survey_responses') }}
    where {{ changed('response_id') }}
),

all_orders as (
    select * from {{ ref('fct_orders') }}
),

all_contacts as (
    select * from {{ ref('fct_contacts') }}
),

crm as (
    select * from {{ ref('stg_customers__customer_tiers') }}
),

comments as (
    select * from {{ ref('fct_comments') }}
),

orders as (
    select
        order_id, customer_id as order_customer_id, net_revenue_amount, is_to_deliver,
        is_delivered_late, promised_at, delivered_at
    from all_orders
    where order_id in (select order_id from answers)
),

answer_customers as (
    select answers.*, coalesce(answers.customer_id, orders.order_customer_id) as known_customer_id
    from answers
    left join orders on orders.order_id = answers.order_id
),

-- the contacts that can be part of an answer's story, in one pass over the contacts
candidate_contacts as (
    select
        contact_id, order_id, customer_id, opened_at, is_repeat, is_followed_by_repeat, reason,
        count_transfers, is_long_wait
    from all_contacts
    where contact_id in (select contact_id from answer_customers)
        or order_id in (select order_id from answer_customers)
        or customer_id in (select known_customer_id from answer_customers)
),

-- the contacts around an answer: its own, those about its order, and the customer's in the 30 days
-- up to it (three equi-joins: an OR join would compare every answer with every contact)
linked_contacts as (
    select a.response_id, c.contact_id
    from answer_customers as a join candidate_contacts as c on c.contact_id = a.contact_id
    union
    select a.response_id, c.contact_id
    from answer_customers as a join candidate_contacts as c on c.order_id = a.order_id
    union
    select a.response_id, c.contact_id
    from answer_customers as a join candidate_contacts as c
        on c.customer_id = a.known_customer_id
        and c.opened_at between a.answered_at - interval 30 day and a.answered_at
),

contact_summary as (
    select
        linked_contacts.response_id,
        count(*) as count_contacts,
        bool_or(c.is_repeat or c.is_followed_by_repeat) as has_repeat_contact,
        -- their distinct reasons in order (what string_agg(distinct ... order by) gives, in Spark's terms too)
        nullif(array_to_string(list_sort(list_distinct(list(c.reason))), ', '), '') as contact_reasons
    from linked_contacts
    join candidate_contacts as c on c.contact_id = linked_contacts.contact_id
    group by 1
),

-- the loyalty CRM's id for an answer known only by its e-mail hash
crm_ids as (
    select email_hash, min(customer_id) as crm_customer_id
    from crm
    where email_hash in (select known_customer_id from answer_customers)
    group by 1
),

final as (
    select
        answers.response_id,
        answers.survey,
        answers.score,
        answers.answered_at,
        answers.answered_date,
        answers.known_customer_id as customer_id,
        coalesce(crm_ids.crm_customer_id, answers.known_customer_id) as crm_customer_id,
        case
            when crm_ids.crm_customer_id is not null then 'crm_id_from_email_hash'
            when answers.known_customer_id is null then 'anonymous'
            when regexp_matches(answers.known_customer_id, '^[0-9a-f]{64}$') then 'email_hash'
            else 'source_id'
        end as customer_id_kind,
        answers.touchpoint,
        answers.channel,
        answers.region,
        answers.store_id,
        answers.tier,
        answers.segment,
        answers.is_promoter,
        answers.is_detractor,
        answers.is_csat_satisfied,
        answers.is_detractor or (answers.survey = 'csat' and answers.score <= 2) as is_on_follow_up_list,
        answers.order_id,
        answers.contact_id,
        orders.net_revenue_amount as order_value_amount,
        case when orders.is_to_deliver then orders.is_delivered_late end as is_delivered_late,
        cast(case
            when orders.is_delivered_late
                then round(date_diff('second', orders.promised_at, orders.delivered_at) / 86400.0, 1)
            when orders.delivered_at is not null and orders.promised_at is not null then 0.0
        end as double) as days_late,
        own_contact.is_repeat or own_contact.is_followed_by_repeat as is_repeat_contact,
        own_contact.count_transfers > 0 as is_transferred,
        own_contact.is_long_wait,
        coalesce(contact_summary.count_contacts, 0) as count_contacts,
        coalesce(contact_summary.has_repeat_contact, false) as has_repeat_contact,
        contact_summary.contact_reasons,
        answers.comment,
        comments.response_id is not null as has_comment,
        comments.theme,
        comments.sentiment,
        comments.language
    from answer_customers as answers
    left join orders on orders.order_id = answers.order_id
    left join candidate_contacts as own_contact on own_contact.contact_id = answers.contact_id
    left join contact_summary on contact_summary.response_id = answers.response_id
    left join crm_ids on crm_ids.email_hash = answers.known_customer_id
    left join comments on comments.response_id = answers.response_id
)

select * from final
