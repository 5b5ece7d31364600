"""The friction cost model: each friction point's events from mart_friction_events, valued with the
cost assumptions, annualised. FRICTION_POINTS says how each point is measured and what it costs.

The cost formula of every point is SQL over the mart with the assumptions as bound parameters,
so a what-if (changed assumptions) is the same query with other parameters.
"""

from __future__ import annotations

import re

from warehouse.filters import Filters, where_clause

FRICTION_POINTS = {
    "abandoned_carts": {
        "label": "Abandoned carts",
        "measured_as": "sessions that added to cart or reached checkout without a purchase",
        "cost_formula": "abandoned sessions x AOV x recoverable cart share x gross margin",
    },
    "repeat_contacts": {
        "label": "Repeat contacts",
        "measured_as": "contacts repeating the same customer's reason within 7 days",
        "cost_formula": "repeat contacts x cost per contact of their channel",
    },
    "transfers": {
        "label": "Transfers",
        "measured_as": "transfers between agents",
        "cost_formula": "transfers x cost per transfer",
    },
    "long_waits": {
        "label": "Long waits",
        "measured_as": "contacts waiting longer than the wait threshold",
        "cost_formula": "long-wait contacts x abandon-and-retry share x cost per contact of their channel",
    },
    "late_deliveries": {
        "label": "Late deliveries (WISMO)",
        "measured_as": "orders delivered after the promised time, and 'where is my order' contacts",
        "cost_formula": "WISMO contacts x cost per contact + late orders x churn uplift x CLV",
    },
    "preventable_returns": {
        "label": "Preventable returns",
        "measured_as": "units returned as damaged, wrong item, not as described, arrived late or a poor fit",
        "cost_formula": "returned units x processing cost + returned value x gross margin",
    },
    "detractor_churn": {
        "label": "Detractor churn",
        "measured_as": "NPS detractors (0-6)",
        "cost_formula": "detractors x detractor churn uplift x CLV",
    },
}

CONTACT_CHANNELS = ("phone", "chat", "email", "social", "in_store", "self_service")


def friction_sql(filters: Filters, assumptions: dict[str, float], aov: float, clv: float) -> tuple[str, dict]:
    where, params = where_clause(filters)
    for key, value in assumptions.items():
        params[f"a_{key}"] = float(value)
    for key in ("gross_margin", "recoverable_cart_share", "cost_per_transfer", "long_wait_abandon_share",
                "late_delivery_churn_uplift", "return_processing_cost", "detractor_churn_uplift"):
        params.setdefault(f"a_{key}", 0.0)
    for ch in CONTACT_CHANNELS:
        params.setdefault(f"a_cost_per_contact_{ch}", 0.0)
    params["aov"] = float(aov or 0)
    params["clv"] = float(clv or 0)
    params["period_days"] = filters.days
    contact_cost = "case cost_driver " + " ".join(
        f"when '{ch}' then $a_cost_per_contact_{ch}" for ch in CONTACT_CHANNELS
    ) + " else 0 end"
    sql = f"""
with events as (
    select friction_point, cost_driver, sum(count_events) as count_events, sum(value_amount) as value_amount
    from mart_friction_events
    where {where}
    group by 1, 2
),

valued as (
    select
        friction_point,
        count_events,
        case friction_point
            when 'abandoned_carts' then count_events * $aov * $a_recoverable_cart_share * $a_gross_margin
            when 'repeat_contacts' then count_events * ({contact_cost})
            when 'transfers' then count_events * $a_cost_per_transfer
            when 'long_waits' then count_events * $a_long_wait_abandon_share * ({contact_cost})
            when 'late_deliveries' then
                case when cost_driver = 'late_order' then count_events * $a_late_delivery_churn_uplift * $clv
                     else count_events * ({contact_cost}) end
            when 'preventable_returns' then
                count_events * $a_return_processing_cost + value_amount * $a_gross_margin
            when 'detractor_churn' then count_events * $a_detractor_churn_uplift * $clv
        end as cost_amount
    from events
),

final as (
    select
        friction_point,
        sum(count_events) as count_events,
        sum(cost_amount) as period_cost_amount,
        sum(cost_amount) * 365.0 / $period_days as yearly_cost_amount
    from valued
    group by 1
)

select * from final order by yearly_cost_amount desc"""
    used = set(re.findall(r"\$(\w+)", sql))
    return sql, {k: v for k, v in params.items() if k in used}
