-- Customers by the tier they held at the start and at the end of each "last N days" period
-- (mart_preset_periods), with the region and segment of the spell held at the start (what the
-- region, segment and scope filters of the tier migration choose): the loyalty page's migration
-- for its default dates, read instead of joining every customer's tier spells per view.
-- Other dates are computed from dim_customer_tier_spells as before (warehouse/queries/
-- loyalty_tiers.py tier_migration, which this mirrors; tests/warehouse/test_customer_periods.py
-- compares both).
-- A customer holds one spell on a date; one without a spell on either date is not counted.
-- unique_key: date_from, date_to, tier_from, tier_to, region, segment
-- nullable_key_columns: region, segment
with spells as (
    select * from {{ ref('dim_customer_tier_spells') }}
),

presets as (
    select * from {{ ref('mart_preset_periods') }}
),

held_from as (
    select presets.date_from, presets.date_to, spells.customer_key, spells.tier, spells.region, spells.segment
    from presets
    inner join spells
        on presets.date_from between spells.valid_from_date and spells.valid_to_date
),

held_to as (
    select presets.date_from, presets.date_to, spells.customer_key, spells.tier
    from presets
    inner join spells
        on presets.date_to between spells.valid_from_date and spells.valid_to_date
),

final as (
    select
        held_from.date_from,
        held_from.date_to,
        held_from.tier as tier_from,
        held_to.tier as tier_to,
        held_from.region,
        held_from.segment,
        count(*) as count_customers
    from held_from
    inner join held_to
        on held_to.date_from = held_from.date_from
        and held_to.date_to = held_from.date_to
        and held_to.customer_key = held_from.customer_key
    group by 1, 2, 3, 4, 5, 6
)

select * from final
