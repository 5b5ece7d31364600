-- One row per period end x customer x channel x region x store where the customer bought in the
-- 12 months up to that period end, for the period ends the dashboard asks most: the data's as-of
-- date (the end of every "last N days" period, the default view) and the ends of those periods'
-- comparison periods (the previous period, the same period a year before; mart_preset_periods),
-- and the three month ends of the latest month's monthly review. Each period end costs a pass over
-- a year of purchases at build time (about 2 s at 10M order lines), so other calendar months and
-- custom periods are computed when asked.
-- Each row carries its customer's figures for that period end, as warehouse/sql/customer_window.sql
-- defines them: the tier and segment they hold on it, their last purchase and the gross margin of
-- all their purchases in the 12 months; and the place's own orders in the "last N days" periods
-- ending there (the loyalty page's customers per tier). Churn and CLV at one of these period ends
-- then read the chosen customers' rows of one period end instead of grouping a year of purchases
-- by customer (warehouse/metrics.py PERIOD_CUSTOMERS_SQL, or their counts per place in
-- mart_customer_period_places; any other period end is computed from mart_customer_daily as
-- before, with the same result).
-- The period ends are mart_customer_period_ends'. A day's build moves most of them by a day, and
-- slides the rows from the ends before (warehouse/sliding.py): a customer with no purchase on the
-- days entering or leaving the 12 months or the "last N days" periods, no purchase changed within
-- them, and the same tier and segment held, keeps their rows; only the others' rows are computed,
-- by this SQL with {{ slid() }} choosing them (a full build: every row).
-- Stored by period end, tier and channel: the typical view (one period end, one tier, one channel)
-- reads a few row groups.
-- cluster_by: period_end_date, tier, channel
-- unique_key: period_end_date, customer_key, channel, region, store_id
-- slides: period_end_date by customer_key
-- dense_key_from: mart_customer_daily
with purchases as (
    select * from {{ ref('mart_customer_daily') }}
),

held_spells as (
    select * from {{ ref('mart_customer_tiers') }}
),

period_ends as (
    select * from {{ ref('mart_customer_period_ends') }}
),

in_window as (
    select
        period_ends.period_end_date,
        purchases.customer_key,
        purchases.activity_date,
        purchases.channel,
        purchases.region,
        purchases.store_id,
        purchases.count_orders,
        purchases.gross_margin_amount
    from period_ends
    inner join purchases
        on purchases.activity_date > period_ends.period_end_date - interval 365 day
        and purchases.activity_date <= period_ends.period_end_date
    where {{ slid('period_ends.period_end_date', 'purchases.customer_key') }}
),

per_customer as (
    select
        period_end_date,
        customer_key,
        max(activity_date) as last_purchase_date,
        -- summed exactly; stored in 18 digits (12 before the point): a narrower decimal reads faster
        cast(sum(cast(gross_margin_amount as decimal(38, 6))) as decimal(18, 6)) as gross_margin_amount
    from in_window
    group by 1, 2
),

-- each place a customer bought at, with their orders there in the "last N days" periods ending on
-- the period end (mart_preset_periods: 30, 90 and 365 days): the loyalty page's customers and
-- orders per tier of such a period count these rows instead of joining the period's purchases to
-- the tiers held on its last day (warehouse/queries/loyalty_tiers.py: at 100M order lines that
-- query 111 -> 24 ms for one tier, 512 -> 81 ms for all). The build pays for it once: this model's
-- SQL 118 -> 140 s at 100M order lines (4.4 -> 5.9 s at 10M), most of it in the window below,
-- which sorts the counts with the keys.
bought as (
    select
        period_end_date,
        customer_key,
        channel,
        region,
        store_id,
        cast(sum(count_orders) filter (where activity_date > period_end_date - interval 30 day) as integer)
            as count_orders_30_days,
        cast(sum(count_orders) filter (where activity_date > period_end_date - interval 90 day) as integer)
            as count_orders_90_days,
        cast(sum(count_orders) as integer) as count_orders_365_days
    from in_window
    group by 1, 2, 3, 4, 5
),

-- One row per customer and one per customer and channel are flagged, so the customers of the whole
-- business and of each channel are counted from the flagged rows instead of grouping the rows by
-- customer (mart_customer_period_places; before it, the queries counted them: at 50M order lines
-- the typical view's query 45 -> 15 ms). Any
-- one row would do, as a customer's figures are the same on each; the order makes it the same one
-- in every build. (Flags from group-bys instead of this window, the first channel per customer and
-- the first place per channel, gave the same rows more slowly: 7.1-8.4 s against 6.2-6.4 s for
-- the model at 10M order lines.)
flagged as (
    select
        *,
        row_number() over place = 1 as is_customers_first_row,
        row_number() over place = 1
            or lag(channel) over place is distinct from channel as is_customers_first_row_in_channel
    from bought
    window place as (
        partition by period_end_date, customer_key
        order by channel nulls last, region nulls last, store_id nulls last
    )
),

held as (
    select period_ends.period_end_date, held_spells.customer_key, held_spells.tier, held_spells.segment
    from period_ends
    inner join held_spells
        on held_spells.valid_from_date <= period_ends.period_end_date
        and held_spells.valid_to_date >= period_ends.period_end_date
    where {{ slid('period_ends.period_end_date', 'held_spells.customer_key') }}
),

final as (
    select
        bought.period_end_date,
        bought.customer_key,
        held.tier,
        held.segment,
        bought.channel,
        bought.region,
        bought.store_id,
        coalesce(bought.count_orders_30_days, 0) as count_orders_30_days,
        coalesce(bought.count_orders_90_days, 0) as count_orders_90_days,
        bought.count_orders_365_days,
        per_customer.last_purchase_date,
        per_customer.gross_margin_amount,
        bought.is_customers_first_row,
        bought.is_customers_first_row_in_channel
    from flagged as bought
    inner join per_customer
        on per_customer.period_end_date = bought.period_end_date
        and per_customer.customer_key = bought.customer_key
    inner join held
        on held.period_end_date = bought.period_end_date
        and held.customer_key = bought.customer_key
)

select * from final
