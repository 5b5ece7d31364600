-- One row per "last N days" period the dashboard offers (dashboard/state.py LAST_DAYS: 30, 90 and
-- 365 days, each ending on the data's as-of date), with its comparison periods (the previous
-- period, the same period a year before: warehouse/filters.py Filters.comparison). The marts that
-- compute figures at build time for the periods the dashboard asks most (mart_customer_periods,
-- mart_tier_migrations, the preset roll-ups through mart_preset_spans) take their periods from
-- here; tests/warehouse/test_customer_periods.py checks these against LAST_DAYS.
-- unique_key: period_days
with daily_orders as (
    select * from {{ ref('mart_daily_orders') }}
),

daily_contacts as (
    select * from {{ ref('mart_daily_contacts') }}
),

daily_surveys as (
    select * from {{ ref('mart_daily_surveys') }}
),

daily_sessions as (
    select * from {{ ref('mart_daily_sessions') }}
),

-- the data's as-of date: the latest day with orders, contacts, answers or sessions (the dashboard's
-- "today": warehouse/queries/base.py Warehouse.as_of reads it from here)
as_of as (
    select max(latest_date) as as_of_date
    from (
        select max(activity_date) as latest_date from daily_orders
        union all
        select max(activity_date) from daily_contacts
        union all
        select max(activity_date) from daily_surveys
        union all
        select max(activity_date) from daily_sessions
    )
),

presets as (
    select
        30 as period_days,
        cast(as_of_date - interval 29 day as date) as date_from,
        cast(as_of_date - interval 59 day as date) as previous_date_from,
        cast(as_of_date - interval 30 day as date) as previous_date_to
    from as_of
    union all
    select
        90,
        cast(as_of_date - interval 89 day as date),
        cast(as_of_date - interval 179 day as date),
        cast(as_of_date - interval 90 day as date)
    from as_of
    union all
    select
        365,
        cast(as_of_date - interval 364 day as date),
        cast(as_of_date - interval 729 day as date),
        cast(as_of_date - interval 365 day as date)
    from as_of
),

final as (
    select
        presets.period_days,
        presets.date_from,
        as_of.as_of_date as date_to,
        presets.previous_date_from,
        presets.previous_date_to,
        cast(presets.date_from - interval 1 year as date) as year_before_date_from,
        cast(as_of.as_of_date - interval 1 year as date) as year_before_date_to
    from presets
    cross join as_of
    where as_of.as_of_date is not null
)

select * from final
