-- One row per tier spell of a customer: the tier held from valid_from_date to valid_to_date
-- (inclusive). Facts join here to get the tier a customer held on the day of the event, so tier
-- performance and migration are measured on the tier of the time, not today's.
-- customer_key numbers the customers of this table densely (1, 2, ...): tier migration joins spells
-- on it, as joining integers is several times faster than joining the text ids (a key of this
-- table only, not of other tables). Rows are ordered by it, so one customer's spells sit together.
-- cluster_by: customer_key, valid_from_date
-- unique_key: customer_id, valid_from_date
-- incremental: customer_id
-- incremental_changes: stg_customers__customer_tiers.customer_id
-- dense_key: customer_key by customer_id
with tiers as (
    select * from {{ ref('stg_customers__customer_tiers') }}
    where {{ changed('customer_id') }}
),

spells as (
    select
        customer_id,
        tier,
        tier_since_date as valid_from_date,
        lead(tier_since_date) over (partition by customer_id order by tier_since_date) as next_from_date,
        region,
        segment,
        enrolled_date
    from tiers
),

final as (
    select
        customer_id,
        cast(dense_rank() over (order by customer_id) as integer) as customer_key,
        tier,
        valid_from_date,
        coalesce(cast(next_from_date - interval 1 day as date), date '9999-12-31') as valid_to_date,
        next_from_date is null as is_current,
        region,
        segment,
        enrolled_date
    from spells
)

select * from final
