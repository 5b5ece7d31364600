"""The overview's own question: what this warehouse holds at all, so a metric whose data is not
loaded reads as not measured, not as zero. (Its tiles and trends are the scorecard's.)"""

from __future__ import annotations

from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant

# What a metric needs that a warehouse may not hold at all: an Olist or UCI warehouse has orders
# but no contacts or sessions. need -> (what is counted, label for "not loaded", metrics).
DATA_NEEDS = {
    "contacts": ("select count(*) from fct_contacts", "support contacts",
                 ("fcr", "repeat_contact_rate", "aht", "avg_wait", "transfer_rate", "self_service_rate",
                  "cost_per_contact")),
    "sessions": ("select count(*) from fct_sessions", "web or app sessions",
                 ("conversion_rate", "cart_abandonment")),
    "nps": ("select count(*) from fct_survey_responses where survey = 'nps'", "NPS answers", ("nps",)),
    "csat": ("select count(*) from fct_survey_responses where survey = 'csat'", "CSAT answers", ("csat",)),
    "ces": ("select count(*) from fct_survey_responses where survey = 'ces'", "CES answers", ("ces",)),
    "orders": ("select count(*) from fct_orders", "orders",
               ("aov", "return_rate", "on_time_delivery", "churn_rate", "clv")),
    "returns": ("select count(*) from stg_orders__order_lines where is_return_reported",
                "orders from an export that reports returns", ("return_rate",)),
    "cost_assumptions": ("select count(*) from dim_cost_assumptions", "cost assumptions",
                         ("cost_per_contact", "clv")),
}  # fmt: skip


class OverviewQueries(BaseWarehouse):
    @snapshot_constant
    def coverage(self) -> Result:
        """One row per kind of data a metric needs: its label, how many rows the warehouse holds
        (0 = not loaded at all, so its metrics show "no data" whatever the filters) and the metrics."""
        parts = " union all ".join(
            f"select '{need}' as need, '{label}' as label, ({count_sql}) as count_rows, "
            f"{list(keys)!r} as metrics"
            for need, (count_sql, label, keys) in DATA_NEEDS.items()
        )
        return self.run(f"select * from ({parts})")
