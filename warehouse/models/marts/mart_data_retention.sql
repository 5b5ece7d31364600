-- One row per kind of data the retention policy governs (config/retention.py): the oldest kept
-- and how many records, for the data quality page beside the policy (records: the latest version
-- of each key, as every model reads them; retention deletes earlier versions by the same date).
-- The audit log is not in the warehouse: the page reads its oldest month beside it.
-- unique_key: data_kind
with order_lines as (
    select * from {{ ref('stg_orders__order_lines') }}
),

order_headers as (
    select * from {{ ref('stg_order_headers__headers') }}
),

customer_tiers as (
    select * from {{ ref('stg_customers__customer_tiers') }}
),

contacts as (
    select * from {{ ref('stg_contacts__contacts') }}
),

responses as (
    select * from {{ ref('stg_surveys__responses') }}
),

sessions as (
    select * from {{ ref('stg_sessions__sessions') }}
),

quarantine as (
    select * from {{ ref('stg_meta__quarantine') }}
),

kept as (
    select 1 as kind_order, 'orders' as data_kind, min(ordered_at) as oldest_at, count(*) as count_rows
    from order_lines
    union all
    select 2, 'order_headers', min(ordered_at), count(*) from order_headers
    union all
    select 3, 'customers', cast(min(tier_since_date) as timestamp), count(*) from customer_tiers
    union all
    select 4, 'contacts', min(opened_at), count(*) from contacts
    union all
    select 5, 'surveys', min(answered_at), count(*) from responses
    union all
    select 6, 'comments', min(case when comment is not null then answered_at end), count(comment)
    from responses
    union all
    select 7, 'sessions', min(started_at), count(*) from sessions
    union all
    select 8, 'quarantine', min(quarantined_at), count(*) from quarantine
),

final as (
    select
        kind_order,
        data_kind,
        oldest_at,
        count_rows
    from kept
)

select * from final
