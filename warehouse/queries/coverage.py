"""What this warehouse can measure at all. A metric whose inputs the loaded exports do not hold is
"not measured by these exports", with the reason, on every tile, scorecard, board pack, alert and
`cx metrics --json`: never 0, never a status colour, never an alert. An Olist or UCI warehouse has
orders but no contacts or sessions; a Zendesk export has contacts but no transfers, handle times
or self-service; an export whose customer id is per order never shows anyone buying twice."""

from __future__ import annotations

from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant

# need -> (rows that carry it, what is missing in a reader's words, the metrics that need it).
# Checked once per snapshot, over the whole warehouse (a period without rows is "no data" instead).
DATA_NEEDS = {
    "contacts": ("select count(*) from fct_contacts", "support contacts",
                 ("fcr", "repeat_contact_rate", "aht", "avg_wait", "transfer_rate", "self_service_rate",
                  "cost_per_contact")),
    "handle_times": ("select count(*) from fct_contacts where handle_seconds is not null",
                     "handle times in the contact exports", ("aht",)),
    "wait_times": ("select count(*) from fct_contacts where wait_seconds is not null",
                   "wait times in the contact exports", ("avg_wait",)),
    "transfers": ("select count(*) from stg_contacts__contacts where is_transfer_count_known",
                  "transfer counts in the contact exports", ("transfer_rate",)),
    "self_service": ("select count(*) from fct_contacts "
                     "where channel = 'self_service' or resolved_by = 'bot'",
                     "self-service or bot contacts (a ticket export does not see self-service that never "
                     "became a ticket)", ("self_service_rate",)),
    "contact_costs": ("select count(*) from dim_cost_assumptions where setting like 'cost_per_contact_%'",
                      "a cost per contact assumption", ("cost_per_contact",)),
    "sessions": ("select count(*) from fct_sessions", "web or app sessions",
                 ("conversion_rate", "cart_abandonment")),
    "nps": ("select count(*) from fct_survey_responses where survey = 'nps'", "NPS answers", ("nps",)),
    "csat": ("select count(*) from fct_survey_responses where survey = 'csat'", "CSAT answers", ("csat",)),
    "ces": ("select count(*) from fct_survey_responses where survey = 'ces'", "CES answers", ("ces",)),
    "orders": ("select count(*) from fct_orders", "orders",
               ("aov", "return_rate", "on_time_delivery", "churn_rate", "clv")),
    "returns": ("select count(*) from stg_orders__order_lines where is_return_reported",
                "returns (the order exports do not report them)", ("return_rate",)),
    "delivery_dates": ("select count(*) from fct_orders where is_delivered and promised_at is not null",
                       "delivery and promised dates in the order exports", ("on_time_delivery",)),
    # a customer seen on two days at least: with a customer id per order (Olist's customer_id) nobody
    # is, and churn would read as everyone leaving. Their first day before their last, the same
    # customers as two distinct days: a count(distinct) per customer made this the heaviest query of
    # a cold page (0.45 s at 5M order lines), min and max cost a third of it.
    "repeat_customers": ("select count(*) from (select customer_key from mart_customer_daily "
                         "group by 1 having min(activity_date) < max(activity_date))",
                         "returning customers (these exports give each order its own customer id)",
                         ("churn_rate", "clv")),
    "margin": ("select count(*) from dim_cost_assumptions where setting = 'gross_margin'",
               "a gross margin assumption", ("clv",)),
}  # fmt: skip
# needs that only refine another: listed for their metrics, not as "not in this warehouse" sources
DETAIL_NEEDS = frozenset(DATA_NEEDS) - {"contacts", "sessions", "nps", "csat", "ces", "orders"}


assert not any("'" in label for _, label, _ in DATA_NEEDS.values()), "labels are pasted into SQL"


class CoverageQueries(BaseWarehouse):
    @snapshot_constant
    def coverage(self) -> Result:
        """One row per kind of data a metric needs: its label, how many rows the warehouse holds
        (0 = not in these exports, so its metrics are not measured whatever the filters) and the
        metrics."""
        parts = " union all ".join(
            f"select '{need}' as need, '{label}' as label, ({count_sql}) as count_rows, "
            f"{list(keys)!r} as metrics, {need in DETAIL_NEEDS} as is_detail"
            for need, (count_sql, label, keys) in DATA_NEEDS.items()
        )
        return self.run(f"select * from ({parts})")

    def not_measured(self) -> dict[str, str]:
        """metric -> why these exports cannot measure it (the first missing need, sources first)."""
        out: dict[str, str] = {}
        for row in sorted(self.coverage().frame.to_dicts(), key=lambda r: r["is_detail"]):
            if not row["count_rows"]:
                for key in row["metrics"]:
                    out.setdefault(key, f"no {row['label']}")
        return out
