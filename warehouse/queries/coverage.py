"""What this warehouse can measure at all. A metric whose inputs the loaded exports do not hold is
"not measured by these exports", with the reason, on every tile, scorecard, board pack, alert and
`cx metrics --json`: never 0, never a status colour, never an alert. An Olist or UCI warehouse has
orders but no contacts or sessions; a Zendesk export has contacts but no transfers, handle times
or self-service; an export whose customer id is per order never shows anyone buying twice."""

from __future__ import annotations

import polars as pl

from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant

# need -> (what is missing in a reader's words, the metrics that need it). How many rows carry each
# need is counted once per build, over the whole warehouse (mart_data_coverage, which lists the same
# needs); a period without rows is "no data" instead.
DATA_NEEDS = {
    "contacts": ("support contacts",
                 ("fcr", "repeat_contact_rate", "aht", "avg_wait", "transfer_rate", "self_service_rate",
                  "cost_per_contact")),
    "handle_times": ("handle times in the contact exports", ("aht",)),
    "wait_times": ("wait times in the contact exports", ("avg_wait",)),
    "transfers": ("transfer counts in the contact exports", ("transfer_rate",)),
    "self_service": ("self-service or bot contacts (a ticket export does not see self-service that never "
                     "became a ticket)", ("self_service_rate",)),
    "contact_costs": ("a cost per contact assumption", ("cost_per_contact",)),
    "sessions": ("web or app sessions", ("conversion_rate", "cart_abandonment")),
    "nps": ("NPS answers", ("nps",)),
    "csat": ("CSAT answers", ("csat",)),
    "ces": ("CES answers", ("ces",)),
    "orders": ("orders", ("aov", "return_rate", "on_time_delivery", "churn_rate", "clv")),
    "returns": ("returns (the order exports do not report them)", ("return_rate",)),
    "delivery_dates": ("delivery and promised dates in the order exports", ("on_time_delivery",)),
    "repeat_customers": ("returning customers (these exports give each order its own customer id)",
                         ("churn_rate", "clv")),
    "margin": ("a gross margin assumption", ("clv",)),
}  # fmt: skip
# needs that only refine another: listed for their metrics, not as "not in this warehouse" sources
DETAIL_NEEDS = frozenset(DATA_NEEDS) - {"contacts", "sessions", "nps", "csat", "ces", "orders"}


class CoverageQueries(BaseWarehouse):
    @snapshot_constant
    def coverage(self) -> Result:
        """One row per kind of data a metric needs: its label, how many rows the warehouse holds
        (0 = not in these exports, so its metrics are not measured whatever the filters) and the
        metrics."""
        needs = pl.DataFrame(
            {
                "need": list(DATA_NEEDS),
                "label": [label for label, _ in DATA_NEEDS.values()],
                "metrics": [list(keys) for _, keys in DATA_NEEDS.values()],
                "is_detail": [need in DETAIL_NEEDS for need in DATA_NEEDS],
            }
        )
        counts = self.run("select need, count_rows from mart_data_coverage").frame
        frame = needs.join(counts, on="need", how="left", maintain_order="left").select(
            "need", "label", "count_rows", "metrics", "is_detail"
        )
        return Result(frame, "select need, count_rows from mart_data_coverage", {})

    def not_measured(self) -> dict[str, str]:
        """metric -> why these exports cannot measure it (the first missing need, sources first)."""
        out: dict[str, str] = {}
        for row in sorted(self.coverage().frame.to_dicts(), key=lambda r: r["is_detail"]):
            if not row["count_rows"]:
                for key in row["metrics"]:
                    out.setdefault(key, f"no {row['label']}")
        return out
