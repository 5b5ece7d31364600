"""The friction costs page's queries: each friction point's events and yearly cost (the cost model
is warehouse/friction.py), the cost assumptions, and the impact/complexity priorities."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from warehouse.filters import Filters
from warehouse.friction import DRIVER_PARTS, FRICTION_POINTS, driver_inputs, friction_sql
from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant

# Impact/complexity matrix: a fix of complexity <= this (on the roadmap's 1-5 scale) is "low".
LOW_COMPLEXITY_MAX = 2


class FrictionCostsQueries(BaseWarehouse):
    # -- friction -------------------------------------------------------------------------
    def friction_costs(self, filters: Filters, assumptions: dict[str, float] | None = None) -> Result:
        """Each friction point's events and yearly cost (a run-rate: the period's cost x 365 / its
        days). `assumptions` overrides the saved cost assumptions for a what-if, on every day of the
        period (nothing is written back); otherwise each day is valued with the version applying on
        it. A cost that cannot be valued is null, with the reason in `not_valued`."""
        f = self.resolve(filters)
        overrides = {k: v for k, v in (assumptions or {}).items() if v is not None}
        card = self.metrics(replace(f, compare="none"), ["aov", "clv", "churn_rate"]).frame
        value = dict(zip(card["metric"].to_list(), card["value"].to_list(), strict=True))
        sql, params = friction_sql(f, overrides, value["aov"], value["clv"])
        result = self.run(sql, params)
        known = {k for k, v in {**self.assumptions(), **overrides}.items() if v is not None}
        known |= {k for k in ("aov", "clv") if value[k] is not None}
        reasons = {
            "aov": "no orders in the period to value a cart by (AOV)",
            "clv": self._clv_gap(f, value["churn_rate"]),
        }
        notes = []
        for row in result.frame.iter_rows(named=True):
            drivers = (row["unvalued_drivers"] or "").split(",") if row["unvalued_drivers"] else []
            missing = dict.fromkeys(
                i for d in drivers for i in driver_inputs(row["friction_point"], d) if i not in known
            )
            why = "; ".join(reasons.get(i, f"no {i} in the cost assumptions") for i in missing)
            if not drivers:
                notes.append(None)
            elif row["period_cost_amount"] is None:
                notes.append(f"not valued: {why}")
            else:
                parts = sorted({DRIVER_PARTS.get(d, "some events") for d in drivers})
                notes.append(f"{' and '.join(parts)} not valued: {why}")
        frame = (
            result.frame.drop("unvalued_drivers")
            .with_columns(pl.Series("not_valued", notes, dtype=pl.Utf8))
            .join(
                pl.DataFrame([{"friction_point": k, **v} for k, v in FRICTION_POINTS.items()]),
                on="friction_point",
                how="left",
            )
            .sort("yearly_cost_amount", descending=True, nulls_last=True)
        )
        return Result(frame, result.sql, result.params)

    def _clv_gap(self, f: Filters, churn_rate: float | None) -> str:
        """Why CLV has no value for the period (so the costs valued by CLV are not valued)."""
        if not self.has_customer_year(f.date_to):
            first = self.first_purchase_date()
            since = f"the data starts {first:%d %b %Y}" if first else "no customer purchases are loaded"
            return f"CLV needs 12 months of purchases up to the period's end ({f.date_to:%d %b %Y}); {since}"
        if "gross_margin" not in self.assumptions():
            return "CLV needs a gross_margin in the cost assumptions"
        if churn_rate == 0:
            return "no customer churned in the 12 months to the period's end, so CLV (1 / churn) is unbounded"
        return "no customer bought in the 12 months to the period's end"

    @snapshot_constant
    def cost_assumptions(self) -> Result:
        return self.run(
            "select setting, setting_value, unit, description, version, valid_from_date "
            "from dim_cost_assumptions order by setting"
        )

    def friction_priorities(self, filters: Filters, assumptions: dict[str, float] | None = None) -> Result:
        """Friction costs (Pareto order, cumulative share) with the complexity of their easiest
        roadmap fix and the impact/complexity quadrant: quick_win = cost at or above the median
        and complexity <= LOW_COMPLEXITY_MAX. The points whose cost is not valued come last, with
        quadrant `not_valued` and no share: the total, median and shares are of valued costs."""
        costs = self.friction_costs(filters, assumptions)
        fixes = self.run(
            "select friction_point, min(complexity) as complexity, "
            "string_agg(initiative_id || ' ' || initiative_name, '; ' order by initiative_id) as initiatives "
            "from mart_roadmap_initiatives where friction_point is not null group by 1"
        )
        frame = costs.frame.filter(pl.col("yearly_cost_amount").is_not_null())
        unvalued = costs.frame.filter(pl.col("yearly_cost_amount").is_null())
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
        if unvalued.height:
            unvalued = unvalued.join(fixes.frame, on="friction_point", how="left").with_columns(
                pl.lit("not_valued").alias("quadrant"),
                pl.lit(median).alias("impact_median_amount"),
                pl.lit(total).alias("total_yearly_cost_amount"),
            )
            frame = pl.concat([frame, unvalued], how="diagonal_relaxed")
        return Result(frame, costs.sql + "\n;\n" + fixes.sql, costs.params)
