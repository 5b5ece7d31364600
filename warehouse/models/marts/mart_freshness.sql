-- One row per activity source: its latest day and row count, with the last ingest and the rows
-- quarantined so far. app.py shows it on every page (the freshness line); built once here so a
-- page does not scan four fact tables and the quarantine for it.
-- unique_key: source_name
with orders as (
    select * from {{ ref('fct_orders') }}
),

contacts as (
    select * from {{ ref('fct_contacts') }}
),

responses as (
    select * from {{ ref('fct_survey_responses') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

ingest_runs as (
    select * from {{ ref('stg_meta__ingest_runs') }}
),

quarantine as (
    select * from {{ ref('stg_meta__quarantine') }}
),

latest as (
    select 1 as source_order, 'orders' as source_name, max(order_date) as latest_date, count(*) as count_rows
    from orders
    union all
    select 2, 'contacts', max(opened_date), count(*) from contacts
    union all
    select 3, 'surveys', max(answered_date), count(*) from responses
    union all
    select 4, 'sessions', max(session_date), count(*) from sessions
),

runs as (
    select max(finished_at) as last_ingest_at from ingest_runs
),

quarantined as (
    select count(distinct file_id || ':' || cast(file_row_number as varchar)) as count_quarantined_rows
    from quarantine
),

final as (
    select latest.*, runs.last_ingest_at, quarantined.count_quarantined_rows
    from latest
    cross join runs
    cross join quarantined
)

select * from final
