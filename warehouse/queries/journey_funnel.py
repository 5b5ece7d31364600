"""The journey funnel page's queries: the steps with their conversion, the CX score at each
touchpoint, and which drop-off costs most."""

from __future__ import annotations

import polars as pl

from warehouse.filters import Filters, where_clause
from warehouse.queries.base import BaseWarehouse, Result

FUNNEL_FRICTION = {
    "orders": "abandoned_carts",
    "delivered on time": "late_deliveries",
    "resolved first time": "repeat_contacts",
}


class JourneyFunnelQueries(BaseWarehouse):
    # -- journey funnel -------------------------------------------------------------------
    def funnel(self, filters: Filters, by_channel: bool = False) -> Result:
        """Counts per funnel step with conversion from the previous step (within a stage group)."""
        f = self.resolve(filters)
        where, params = where_clause(f)
        channel = "channel, " if by_channel else ""
        partition = "partition by channel " if by_channel else ""
        sql = f"""
with steps as (
    select {channel}stage, step_order, step, sum(count_events) as count_events
    from mart_journey_funnel
    where {where}
    group by {"1, 2, 3, 4" if by_channel else "1, 2, 3"}
),

final as (
    select
        *,
        lag(count_events) over ({partition}order by step_order) as previous_count,
        100.0 * count_events / nullif(lag(count_events) over ({partition}order by step_order), 0)
            as step_conversion_pct,
        lag(count_events) over ({partition}order by step_order) - count_events as count_dropped
    from steps
)

select * from final order by {channel}step_order"""
        return self.run(sql, params)

    def stage_scores(self, filters: Filters) -> Result:
        """The CX score measured at each touchpoint (NPS, CSAT, CES per journey stage)."""
        return self.metrics_by(filters, "touchpoint", ["nps", "csat", "ces"])

    # -- dashboard summaries ----------------------------------------------------------------
    def funnel_dropoffs(self, filters: Filters) -> Result:
        """The funnel with, for the steps whose drop-off is a friction point, that point's yearly
        cost; is_costliest marks the drop-off that costs most."""
        funnel = self.funnel(filters)
        costs = self.friction_costs(filters).frame.select("friction_point", "label", "yearly_cost_amount")
        mapping = pl.DataFrame(
            {"step": list(FUNNEL_FRICTION), "friction_point": list(FUNNEL_FRICTION.values())}
        )
        frame = (
            funnel.frame.join(mapping, on="step", how="left")
            .join(costs.rename({"label": "friction_label"}), on="friction_point", how="left")
            .sort("step_order")
        )
        top = frame["yearly_cost_amount"].max() if frame.height else None
        frame = frame.with_columns(
            (pl.col("yearly_cost_amount") == top).fill_null(False).alias("is_costliest")
            if top  # a drop-off costing nothing (or not valued) is not "the costliest"
            else pl.lit(False).alias("is_costliest")
        )
        return Result(frame, funnel.sql, funnel.params)
