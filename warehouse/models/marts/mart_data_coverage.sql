-- One row per kind of data a metric needs, with how many rows the warehouse holds of it: 0 means
-- these exports do not carry it, so its metrics are "not measured by these exports" whatever the
-- filters (warehouse/queries/coverage.py DATA_NEEDS names each need's label and metrics; a test
-- checks that both list the same needs). Counted once per build: over the whole warehouse these
-- counts cost a cold page 1.6 s at 50M order lines.
-- unique_key: need
with contacts as (
    select * from {{ ref('fct_contacts') }}
),

staged_contacts as (
    select * from {{ ref('stg_contacts__contacts') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

answers as (
    select * from {{ ref('fct_survey_responses') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('stg_orders__order_lines') }}
),

customer_days as (
    select * from {{ ref('mart_customer_daily') }}
),

assumptions as (
    select * from {{ ref('dim_cost_assumptions') }}
),

-- a customer seen on two days at least: with a customer id per order (Olist's customer_id) nobody
-- is, and churn would read as everyone leaving
repeat_customers as (
    select customer_key
    from customer_days
    group by 1
    having min(activity_date) < max(activity_date)
),

final as (
    select 'contacts' as need, (select count(*) from contacts) as count_rows
    union all
    select 'handle_times', (select count(*) from contacts where handle_seconds is not null)
    union all
    select 'wait_times', (select count(*) from contacts where wait_seconds is not null)
    union all
    select 'transfers', (select count(*) from staged_contacts where is_transfer_count_known)
    union all
    select 'self_service', (select count(*) from contacts where channel = 'self_service' or resolved_by = 'bot')
    union all
    select 'contact_costs', (select count(*) from assumptions where setting like 'cost_per_contact_%')
    union all
    select 'sessions', (select count(*) from sessions)
    union all
    select 'nps', (select count(*) from answers where survey = 'nps')
    union all
    select 'csat', (select count(*) from answers where survey = 'csat')
    union all
    select 'ces', (select count(*) from answers where survey = 'ces')
    union all
    select 'orders', (select count(*) from orders)
    union all
    select 'returns', (select count(*) from order_lines where is_return_reported)
    union all
    select 'delivery_dates', (select count(*) from orders where is_delivered and promised_at is not null)
    union all
    select 'repeat_customers', (select count(*) from repeat_customers)
    union all
    select 'margin', (select count(*) from assumptions where setting = 'gross_margin')
)

select * from final
