-- One row per kind of data the retention policy governs (config/retention.py): the oldest kept
-- and how many rows, for the data quality page beside the policy. Raw rows, versions included
-- (an updated order keeps its earlier versions as lineage until they pass the period too).
-- The audit log is not in the warehouse: the page reads its oldest month beside it.
-- unique_key: data_kind
with orders as (
    select * from {{ source('raw', 'orders') }}
),

order_headers as (
    select * from {{ source('raw', 'order_headers') }}
),

customers as (
    select * from {{ source('raw', 'customers') }}
),

contacts as (
    select * from {{ source('raw', 'contacts') }}
),

surveys as (
    select * from {{ source('raw', 'surveys') }}
),

sessions as (
    select * from {{ source('raw', 'sessions') }}
),

quarantine as (
    select * from {{ source('meta', 'quarantine') }}
),

kept as (
    select 1 as kind_order, 'orders' as data_kind, min(ordered_at) as oldest_at, count(*) as count_rows
    from orders
    union all
    select 2, 'order_headers', min(ordered_at), count(*) from order_headers
    union all
    select 3, 'customers', cast(min(tier_since) as timestamp), count(*) from customers
    union all
    select 4, 'contacts', min(opened_at), count(*) from contacts
    union all
    select 5, 'surveys', min(answered_at), count(*) from surveys
    union all
    select 6, 'comments', min(case when comment is not null then answered_at end), count(comment)
    from surveys
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
