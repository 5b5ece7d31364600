-- One row per period the preset roll-ups (mart_preset_orders, _contacts, _sessions, _surveys) sum
-- whole: each "last N days" period the dashboard offers and each period it is compared with
-- (mart_preset_periods), once each. A query reads a period from a preset roll-up only when it is
-- one of these (Warehouse.preset_spans, warehouse/rollups.py).
-- unique_key: date_from, date_to
with presets as (
    select * from {{ ref('mart_preset_periods') }}
),

-- `union`, not `union all`: the 365 days before the last 365 are also the same days a year
-- before, unless a 29 February lies between
final as (
    select date_from, date_to from presets
    union
    select previous_date_from, previous_date_to from presets
    union
    select year_before_date_from, year_before_date_to from presets
)

select * from final
