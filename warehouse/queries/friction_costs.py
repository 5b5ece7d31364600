"""The friction costs page's queries: each friction point's events and yearly cost (the cost model
is warehouse/friction.py), the cost assumptions, and the impact/complexity priorities."""

from __future__ import annotations

import polars as pl

from warehouse.filters import Filters
from warehouse.friction import FRICTION_POINTS, friction_sql
from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant

# Impact/complexity matrix: a fix of complexity <= this (on the roadmap's 1-5 scale) is "low".
LOW_COMPLEXITY_MAX = 2


class FrictionCostsQueries(BaseWarehouse):
    # -- friction -------------------------------------------------------------------------
    def friction_costs(self, filters: Filters, assumptions: dict[str, float] | None = None) -> Result:
        """Each friction point's events and yearly cost. `assumptions` overrides the saved cost
        assumptions for a what-if (nothing is written back)."""
        f = self.resolve(filters)
        saved = self.assumptions()
        merged = {**saved, **(assumptions or {})}
        aov = self.metrics(f.__class__(**{**f.__dict__, "compare": "none"}), ["aov", "clv"]).frame
        aov_value = aov.filter(pl.col("metric") == "aov")["value"][0] or 0.0
        clv_value = aov.filter(pl.col("metric") == "clv")["value"][0] or 0.0
        sql, params = friction_sql(f, merged, aov_value, clv_value)
        result = self.run(sql, params)
        frame = result.frame
        if not merged:  # no cost assumptions at all: events are counted, not valued (not £0)
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.Float64).alias("period_cost_amount"),
                pl.lit(None, dtype=pl.Float64).alias("yearly_cost_amount"),
            )
        frame = frame.join(
            pl.DataFrame(
                [{"friction_point": k, **v} for k, v in FRICTION_POINTS.items()],
            ),
            on="friction_point",
            how="left",
        ).sort("yearly_cost_amount", descending=True, nulls_last=True)
        return Result(frame, result.sql, result.params)

    @snapshot_constant
    def cost_assumptions(self) -> Result:
        return self.run(
            "select setting, setting_value, unit, description, version, valid_from_date "
            "from dim_cost_assumptions order by setting"
        )

    def friction_priorities(self, filters: Filters, assumptions: dict[str, float] | None = None) -> Result:
        """Friction costs (Pareto order, cumulative share) with the complexity of their easiest
        roadmap fix and the impact/complexity quadrant: quick_win = cost at or above the median
        and complexity <= LOW_COMPLEXITY_MAX."""
        costs = self.friction_costs(filters, assumptions)
        fixes = self.run(
            "select friction_point, min(complexity) as complexity, "
            "string_agg(initiative_id || ' ' || initiative_name, '; ' order by initiative_id) as initiatives "
            "from mart_roadmap_initiatives where friction_point is not null group by 1"
        )
        frame = costs.frame.filter(pl.col("yearly_cost_amount").is_not_null())
        total = frame["yearly_cost_amount"].sum()
        median = frame["yearly_cost_amount"].median()
        frame = frame.join(fixes.frame, on="friction_point", how="left").with_columns(
            (100.0 * pl.col("yearly_cost_amount").cum_sum() / (total or None)).alias("cumulative_share_pct"),
            (100.0 * pl.col("yearly_cost_amount") / (total or None)).alias("share_pct"),
        )
        high = pl.col("yearly_cost_amount") >= (median if median is not None else 0)
        low = pl.col("complexity") <= LOW_COMPLEXITY_MAX
        frame = frame.with_columns(
            pl.when(pl.col("complexity").is_null())
            .then(pl.lit("no_fix_planned"))
            .when(high & low)
            .then(pl.lit("quick_win"))
            .when(high)
            .then(pl.lit("major_project"))
            .when(low)
            .then(pl.lit("fill_in"))
            .otherwise(pl.lit("deprioritise"))
            .alias("quadrant"),
            pl.lit(median).alias("impact_median_amount"),
            pl.lit(total).alias("total_yearly_cost_amount"),
        )
        return Result(frame, costs.sql + "\n;\n" + fixes.sql, costs.params)
