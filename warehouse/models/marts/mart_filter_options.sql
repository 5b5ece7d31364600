-- One row per filter dimension x value found in the daily marts: the sidebar's choices, which
-- app.py draws on every page. Built once here instead of twenty distinct scans per page view.
-- The dimension names are warehouse/filters.py's DIMENSIONS (store = store_id).
-- unique_key: dimension, value
with orders as (
    select * from {{ ref('mart_daily_orders') }}
),

contacts as (
    select * from {{ ref('mart_daily_contacts') }}
),

surveys as (
    select * from {{ ref('mart_daily_surveys') }}
),

sessions as (
    select * from {{ ref('mart_daily_sessions') }}
),

dimension_values as (
    select channel, region, store_id as store, tier, segment from orders
    union
    select channel, region, store_id, tier, segment from contacts
    union
    select channel, region, store_id, tier, segment from surveys
    union
    select channel, region, store_id, tier, segment from sessions
),

final as (
    -- The standard UNPIVOT form, which DuckDB and Spark both run (nulls are left out in both).
    select distinct dimension, value
    from dimension_values
    unpivot (value for dimension in (channel, region, store, tier, segment))
)

select * from final
