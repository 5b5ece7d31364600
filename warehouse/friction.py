"""The friction cost model: each friction point's events from mart_friction_events, valued with the
cost assumptions, as a yearly run-rate. FRICTION_POINTS says how each point is measured, in which
unit its events are counted and what it costs.

The cost formula of every point is SQL over the mart: each day's events are valued with the version
of the cost assumptions applying on that day, and a what-if (changed assumptions) is the same query
with the edited values as bound parameters. The yearly cost is a run-rate: the period's cost x 365 /
the period's days. Events whose cost needs an input that has no value (a setting nobody wrote down;
CLV before the data covers 12 months) are not valued: their cost is null with the reason, never 0.
"""

from __future__ import annotations

import re

from warehouse.filters import Filters, where_clause

FRICTION_POINTS = {
    "abandoned_carts": {
        "label": "Abandoned carts",
        "events_label": "abandoned sessions",
        "measured_as": "sessions that added to cart or reached checkout without a purchase",
        "cost_formula": "abandoned sessions x AOV x recoverable cart share x gross margin",
    },
    "repeat_contacts": {
        "label": "Repeat contacts",
        "events_label": "repeat contacts",
        "measured_as": "contacts repeating the same customer's reason within 7 days",
        "cost_formula": "repeat contacts x cost per contact of their channel",
    },
    "transfers": {
        "label": "Transfers",
        "events_label": "transfers",
        "measured_as": "transfers between agents",
        "cost_formula": "transfers x cost per transfer",
    },
    "long_waits": {
        "label": "Long waits",
        "events_label": "long-wait contacts",
        "measured_as": "contacts waiting longer than the wait threshold",
        "cost_formula": "long-wait contacts x abandon-and-retry share x cost per contact of their channel",
    },
    "late_deliveries": {
        "label": "Late deliveries (WISMO)",
        "events_label": "late orders",
        "measured_as": "orders delivered after the promised time; 'where is my order' contacts counted apart",
        "cost_formula": "WISMO contacts x cost per contact + late orders x churn uplift x CLV",
    },
    "preventable_returns": {
        "label": "Preventable returns",
        "events_label": "returned units",
        "measured_as": "units returned as damaged, wrong item, not as described, arrived late or a poor fit",
        "cost_formula": "returned units x processing cost + returned value x gross margin",
    },
    "detractor_churn": {
        "label": "Detractor churn",
        "events_label": "detractors",
        "measured_as": "NPS detractors (0-6)",
        "cost_formula": "detractors x detractor churn uplift x CLV",
    },
}

CONTACT_CHANNELS = ("phone", "chat", "email", "social", "in_store", "self_service")

# The settings of the cost assumptions the formulas read (the contact costs are per channel).
SETTINGS = (
    "gross_margin",
    "recoverable_cart_share",
    "cost_per_transfer",
    "long_wait_abandon_share",
    "late_delivery_churn_uplift",
    "return_processing_cost",
    "detractor_churn_uplift",
    *(f"cost_per_contact_{ch}" for ch in CONTACT_CHANNELS),
)

# What valuing one cost driver's events needs (the period's AOV or CLV, or a setting): a missing
# input leaves those events not valued (null, with the reason), never valued at 0.
DRIVER_INPUTS = {
    "session": ("aov", "recoverable_cart_share", "gross_margin"),
    "transfer": ("cost_per_transfer",),
    "late_order": ("late_delivery_churn_uplift", "clv"),
    "returned_unit": ("return_processing_cost", "gross_margin"),
    "detractor": ("detractor_churn_uplift", "clv"),
    **{ch: (f"cost_per_contact_{ch}",) for ch in CONTACT_CHANNELS},
}
# the part of a friction point a cost driver is, for "partly valued" notes
DRIVER_PARTS = {"late_order": "the late orders' churn part"}


def driver_inputs(friction_point: str, driver: str) -> tuple[str, ...]:
    needs = DRIVER_INPUTS.get(driver, (f"cost_per_contact_{driver}",))
    return ("long_wait_abandon_share", *needs) if friction_point == "long_waits" else needs


def friction_sql(
    filters: Filters, overrides: dict[str, float], aov: float | None, clv: float | None
) -> tuple[str, dict]:
    """Each friction point's events and cost over the period. A day's events are valued with the
    cost assumptions' version applying on that day (dim_cost_assumption_versions); a what-if
    `overrides` value applies to every day. An input without a value (no such setting; no AOV or CLV
    for the period) leaves the events it values at a null cost: not valued, never 0."""
    where, params = where_clause(filters, mart="mart_friction_events")
    setting = {}
    for key in SETTINGS:
        if overrides.get(key) is not None:
            params[f"w_{key}"] = float(overrides[key])
            setting[key] = f"cast($w_{key} as double)"
        else:
            setting[key] = f"span_values.{key}"
    params["aov"] = None if aov is None else float(aov)
    params["clv"] = None if clv is None else float(clv)
    params["period_days"] = filters.days
    contact_cost = (
        "case cost_driver "
        + " ".join(f"when '{ch}' then {setting[f'cost_per_contact_{ch}']}" for ch in CONTACT_CHANNELS)
        + " end"
    )
    pivot = ",\n        ".join(
        f"max(versions.setting_value) filter (where versions.setting = '{key}') as {key}" for key in SETTINGS
    )
    sql = f"""
with events as (
    select activity_date, friction_point, cost_driver,
        sum(count_events) as count_events, sum(value_amount) as value_amount
    from mart_friction_events
    where {where}
    group by 1, 2, 3
),

-- The days from which some setting's value changes, and every setting's value from each: a day is
-- valued with the version applying on it.
boundaries as (
    select distinct applies_from_date as span_from from dim_cost_assumption_versions
),

spans as (
    select
        span_from,
        coalesce(cast(lead(span_from) over (order by span_from) - interval 1 day as date),
            date '9999-12-31') as span_to
    from boundaries
),

span_values as (
    select
        spans.span_from,
        spans.span_to,
        {pivot}
    from spans
    inner join dim_cost_assumption_versions as versions
        on spans.span_from between versions.applies_from_date and versions.applies_to_date
    group by 1, 2
),

-- the events of each cost driver summed per span of the assumptions (integer counts, exact)
spans_events as (
    select
        events.friction_point,
        events.cost_driver,
        span_values.span_from,
        sum(events.count_events) as count_events,
        sum(events.value_amount) as value_amount
    from events
    left join span_values on events.activity_date between span_values.span_from and span_values.span_to
    group by 1, 2, 3
),

valued as (
    select
        spans_events.friction_point,
        spans_events.cost_driver,
        spans_events.span_from,
        spans_events.count_events,
        case spans_events.friction_point
            when 'abandoned_carts' then
                count_events * cast($aov as double)
                    * {setting["recoverable_cart_share"]} * {setting["gross_margin"]}
            when 'repeat_contacts' then count_events * ({contact_cost})
            when 'transfers' then count_events * {setting["cost_per_transfer"]}
            when 'long_waits' then count_events * {setting["long_wait_abandon_share"]} * ({contact_cost})
            when 'late_deliveries' then
                case when cost_driver = 'late_order'
                    then count_events * {setting["late_delivery_churn_uplift"]} * cast($clv as double)
                    else count_events * ({contact_cost}) end
            when 'preventable_returns' then
                count_events * {setting["return_processing_cost"]} + value_amount * {setting["gross_margin"]}
            when 'detractor_churn' then
                count_events * {setting["detractor_churn_uplift"]} * cast($clv as double)
        end as cost_amount
    from spans_events
    left join span_values on span_values.span_from = spans_events.span_from
),

-- Late deliveries count two kinds of event, shown apart: late orders (count_events) and "where is
-- my order" contacts (count_wismo_contacts).
final as (
    select
        friction_point,
        coalesce(sum(count_events) filter (
            where cost_driver = 'late_order' or friction_point <> 'late_deliveries'), 0) as count_events,
        sum(count_events) filter (where friction_point = 'late_deliveries' and cost_driver <> 'late_order')
            as count_wismo_contacts,
        -- summed in a fixed order: the same rows give the same last digit on every run
        sum(cost_amount order by cost_driver, span_from) as period_cost_amount,
        -- a run-rate: the period's cost scaled to 365 days
        sum(cost_amount order by cost_driver, span_from) * 365.0 / $period_days as yearly_cost_amount,
        string_agg(distinct cost_driver, ',' order by cost_driver)
            filter (where cost_amount is null and count_events > 0) as unvalued_drivers
    from valued
    group by 1
)

select * from final order by yearly_cost_amount desc nulls last, friction_point"""
    used = set(re.findall(r"\$(\w+)", sql))
    return sql, {k: v for k, v in params.items() if k in used}
