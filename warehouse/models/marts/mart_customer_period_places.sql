-- One row per period end x place x channel x tier x segment x last purchase date: the customers of
-- mart_customer_periods counted once per place and channel they bought at in the 12 months, with
-- their gross margin. A place is the whole business, a region or a store (place_kind 'all' has
-- place 'all'); a channel is any channel (channel_kind 'all', channel 'all') or, for the whole
-- business and each region, one. Churn and CLV of a view whose purchase filters and scope choose
-- one place and at most one channel (the default view, the typical view's one channel, a region
-- manager's scope with or without a channel filter, a store manager's) sum these rows instead of
-- taking each chosen customer once from
-- mart_customer_periods (warehouse/metrics.py PERIOD_PLACES_SQL): a customer's tier, segment, last
-- purchase and margin are the same on each of their rows, so the counts and sums per bucket add up
-- to the per-customer figures (tests/warehouse/test_customer_periods.py compares both ways). At
-- 50M order lines a region manager's default view grouped ~1M rows by customer (~300 ms).
-- The rows of the whole business and of each region, of any channel, also count the customers who
-- bought there in each "last N days" period ending on the period end and sum their orders there
-- (count_customers_<N>_days, count_orders_<N>_days, as mart_customer_periods counts them; null on
-- the other places' rows): the loyalty page's customers per tier and orders per customer of the
-- default view and of a region manager's (warehouse/queries/loyalty_tiers.py: at 100M order lines
-- a region manager's query 133 ms with a bit per buyer, and the model's 10M build ~1 s more).
-- A store's customers are not counted per channel: those rows (a store sells in one channel, or an
-- online one in several) cost the model more than half again at 10M order lines (5.9 -> 8.7-10.3 s)
-- for a view seldom asked, a store manager choosing a channel, which reads its store's rows.
-- A null region, store or channel (none recorded) is a place or channel no filter or scope names.
-- Every figure is a sum over customers of what each contributes, so a day's build slides this
-- model with mart_customer_periods (warehouse/sliding.py): the rows move to the new period ends,
-- and the sums of the customers computed again are added, those of their previous rows
-- subtracted (count_customers_with_margin says when no customer's margin is left: null, as a sum
-- of none is). At 10M order lines 3.8-4.2 s in full.
-- cluster_by: period_end_date, place_kind, place, channel_kind, channel
-- unique_key: period_end_date, place_kind, place, channel_kind, channel, tier, segment, last_purchase_date
-- nullable_key_columns: place, channel, tier, segment
-- slides_by_sums: mart_customer_periods
with periods as (
    select * from {{ ref('mart_customer_periods') }}
),

-- each customer once per place and channel but the whole business (below): the flag picks one row
-- of each channel (mart_customer_periods), a region's or a store's rows are made distinct; a
-- region's customers (of any channel) also with their orders there in each "last N days" period
places as (
    select
        period_end_date, 'all' as place_kind, 'all' as place, 'channel' as channel_kind, channel,
        customer_key, tier, segment, last_purchase_date, gross_margin_amount,
        cast(null as bigint) as count_orders_30_days,
        cast(null as bigint) as count_orders_90_days,
        cast(null as bigint) as count_orders_365_days
    from periods
    where is_customers_first_row_in_channel
    union all
    -- a customer's tier, segment, last purchase and margin are those of the customer: grouping by
    -- them as well keeps one row per customer and region
    select
        period_end_date, 'region', region, 'all', 'all',
        customer_key, tier, segment, last_purchase_date, gross_margin_amount,
        sum(count_orders_30_days), sum(count_orders_90_days), sum(count_orders_365_days)
    from periods
    group by period_end_date, region, customer_key, tier, segment, last_purchase_date, gross_margin_amount
    union all
    select distinct
        period_end_date, 'region', region, 'channel', channel,
        customer_key, tier, segment, last_purchase_date, gross_margin_amount,
        cast(null as bigint), cast(null as bigint), cast(null as bigint)
    from periods
    union all
    select distinct
        period_end_date, 'store', store_id, 'all', 'all',
        customer_key, tier, segment, last_purchase_date, gross_margin_amount,
        cast(null as bigint), cast(null as bigint), cast(null as bigint)
    from periods
),

-- the whole business: each customer counted once (their flagged row), and the orders of the "last
-- N days" periods summed over all their rows, which all fall in their bucket: the loyalty page's
-- default view counts a period's buyers per tier by their last purchase and sums their orders here
-- (warehouse/queries/loyalty_tiers.py; at 100M order lines ~50 ms of its query over
-- mart_customer_periods)
everyone as (
    select
        period_end_date,
        'all' as place_kind,
        'all' as place,
        'all' as channel_kind,
        'all' as channel,
        tier,
        segment,
        last_purchase_date,
        count(*) filter (where is_customers_first_row) as count_customers,
        -- exact, and the same type on both engines (Spark would sum into decimal(28, 6))
        cast(sum(gross_margin_amount) filter (where is_customers_first_row) as decimal(38, 6))
            as gross_margin_amount,
        count(gross_margin_amount) filter (where is_customers_first_row) as count_customers_with_margin,
        -- a customer bought in the last N days when their last purchase is in them
        count(*) filter (
            where is_customers_first_row and last_purchase_date > period_end_date - interval 30 day
        ) as count_customers_30_days,
        count(*) filter (
            where is_customers_first_row and last_purchase_date > period_end_date - interval 90 day
        ) as count_customers_90_days,
        count(*) filter (where is_customers_first_row) as count_customers_365_days,
        cast(sum(count_orders_30_days) as bigint) as count_orders_30_days,
        cast(sum(count_orders_90_days) as bigint) as count_orders_90_days,
        cast(sum(count_orders_365_days) as bigint) as count_orders_365_days
    from periods
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

-- the orders are summed for a region's customers of any channel (null on the other places' rows:
-- no view reads them)
final as (
    select
        period_end_date,
        place_kind,
        place,
        channel_kind,
        channel,
        tier,
        segment,
        last_purchase_date,
        count(*) as count_customers,
        cast(sum(gross_margin_amount) as decimal(38, 6)) as gross_margin_amount,
        count(gross_margin_amount) as count_customers_with_margin,
        case when place_kind = 'region' and channel_kind = 'all'
            then count(*) filter (where count_orders_30_days > 0) end as count_customers_30_days,
        case when place_kind = 'region' and channel_kind = 'all'
            then count(*) filter (where count_orders_90_days > 0) end as count_customers_90_days,
        case when place_kind = 'region' and channel_kind = 'all'
            then count(*) filter (where count_orders_365_days > 0) end as count_customers_365_days,
        cast(sum(count_orders_30_days) as bigint) as count_orders_30_days,
        cast(sum(count_orders_90_days) as bigint) as count_orders_90_days,
        cast(sum(count_orders_365_days) as bigint) as count_orders_365_days
    from places
    group by 1, 2, 3, 4, 5, 6, 7, 8
    union all
    select * from everyone
)

select * from final
