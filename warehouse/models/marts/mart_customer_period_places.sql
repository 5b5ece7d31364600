-- One row per period end x place x tier x segment x last purchase date: the customers of
-- mart_customer_periods counted once per place they bought at in the 12 months (the whole business,
-- a sales channel, a region, a store), with their gross margin. Churn and CLV of a view whose
-- purchase filters and scope choose one place (the default view, one channel, a region manager's
-- or a store manager's scope) sum these rows instead of taking each chosen customer once from
-- mart_customer_periods (warehouse/metrics.py PERIOD_PLACES_SQL): a customer's tier, segment, last
-- purchase and margin are the same on each of their rows, so the counts and sums per bucket add up
-- to the per-customer figures (tests/warehouse/test_customer_periods.py compares both ways). At
-- 50M order lines a region manager's default view grouped ~1M rows by customer (~300 ms).
-- place_kind 'all' has place 'all'; a null region or store (none recorded) is a place no filter
-- or scope names.
-- cluster_by: period_end_date, place_kind, place
-- unique_key: period_end_date, place_kind, place, tier, segment, last_purchase_date
-- nullable_key_columns: place, tier, segment
with periods as (
    select * from {{ ref('mart_customer_periods') }}
),

-- each customer once per place
places as (
    select
        period_end_date, 'all' as place_kind, 'all' as place,
        customer_key, tier, segment, last_purchase_date, gross_margin_amount
    from periods
    where is_customers_first_row
    union all
    select
        period_end_date, 'channel', channel,
        customer_key, tier, segment, last_purchase_date, gross_margin_amount
    from periods
    where is_customers_first_row_in_channel
    union all
    select distinct
        period_end_date, 'region', region,
        customer_key, tier, segment, last_purchase_date, gross_margin_amount
    from periods
    union all
    select distinct
        period_end_date, 'store', store_id,
        customer_key, tier, segment, last_purchase_date, gross_margin_amount
    from periods
),

final as (
    select
        period_end_date,
        place_kind,
        place,
        tier,
        segment,
        last_purchase_date,
        count(*) as count_customers,
        -- exact, and the same type on both engines (Spark would sum into decimal(28, 6))
        cast(sum(gross_margin_amount) as decimal(38, 6)) as gross_margin_amount
    from places
    group by 1, 2, 3, 4, 5, 6
)

select * from final
