-- One row per customer of mart_customer_daily and span of days over which they held one tier and
-- segment, keyed by mart_customer_daily's customer_key: what churn, CLV and customers per tier read
-- to choose customers by the tier they hold on a period's last day ("churn belongs to the
-- customer", warehouse/sql/customer_window.sql), as bitmaps of the same key. Every day of every
-- customer is covered: the days before their first tier spell, and all the days of a customer the
-- loyalty CRM does not know, are a span of tier 'none' and segment 'unknown', as the facts have
-- them.
-- Stored by the end of the span, then tier: the spans held on a recent day are the last rows, and a
-- chosen tier's holders a few row groups of them (at 50M order lines the gold holders on the as-of
-- date 12 -> 2.5 ms, the loyalty page's customers per tier 68 -> 50 ms).
-- A customer's spans are computed from their own rows alone: a day's build computes again those
-- of the customers whose purchases or tier spells changed (at 10M order lines ~5k of 744k
-- customers: 1.5 -> 0.2 s), by their id, which the spans carry for it.
-- cluster_by: valid_to_date, tier, customer_key
-- unique_key: customer_id, valid_from_date
-- incremental: customer_id
-- incremental_changes: mart_customer_daily.customer_id, dim_customer_tier_spells.customer_id
-- dense_key_from: mart_customer_daily
with purchases as (
    select * from {{ ref('mart_customer_daily') }}
    where {{ changed('customer_id') }}
),

spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
    where {{ changed('customer_id') }}
),

customers as (
    select distinct customer_id, customer_key from purchases
),

member_spells as (
    select
        customers.customer_id,
        customers.customer_key,
        spells.tier,
        spells.segment,
        spells.valid_from_date,
        spells.valid_to_date
    from customers
    inner join spells on spells.customer_id = customers.customer_id
),

first_spells as (
    select customer_key, min(valid_from_date) as first_from_date
    from member_spells
    group by 1
),

before_membership as (
    select
        customers.customer_id,
        customers.customer_key,
        'none' as tier,
        'unknown' as segment,
        date '0001-01-01' as valid_from_date,
        coalesce(cast(first_spells.first_from_date - interval 1 day as date), date '9999-12-31')
            as valid_to_date
    from customers
    left join first_spells on first_spells.customer_key = customers.customer_key
    where first_spells.first_from_date is null or first_spells.first_from_date > date '0001-01-01'
),

final as (
    select * from member_spells
    union all
    select * from before_membership
)

select * from final
