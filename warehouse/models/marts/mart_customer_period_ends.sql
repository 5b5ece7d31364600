-- One row per period end that mart_customer_periods computes at build time: the data's as-of date
-- (the end of every "last N days" period, the default view), the ends of those periods' comparison
-- periods (the previous period, the same period a year before; mart_preset_periods), and the three
-- month ends of the latest month's monthly review (its default: the month's end, the month
-- before's and the same month a year before's; warehouse/queries/monthly_review.py
-- month_scorecard). A period end whose 12 months the purchases do not cover has no row: no
-- customer is counted then.
-- A model of its own so that a day's build can see which ends moved and slide
-- mart_customer_periods' rows from the ends before (warehouse/sliding.py).
-- unique_key: period_end_date
with purchases as (
    select * from {{ ref('mart_customer_daily') }}
),

presets as (
    select * from {{ ref('mart_preset_periods') }}
),

history as (
    select min(activity_date) as first_purchase_date from purchases
),

candidate_ends as (
    select date_to as period_end_date from presets
    union all
    select previous_date_to from presets
    union all
    select year_before_date_to from presets
    union all
    select last_day(date_to) from presets
    union all
    select last_day(cast(date_to - interval 1 month as date)) from presets
    union all
    select last_day(cast(date_to - interval 1 year as date)) from presets
),

final as (
    select distinct candidate_ends.period_end_date
    from candidate_ends
    cross join history
    where history.first_purchase_date <= candidate_ends.period_end_date - interval 364 day
)

select * from final
