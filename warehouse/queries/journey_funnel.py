"""The journey funnel page's queries: the steps, each over its right denominator, the CX score at
each touchpoint, and which drop-off costs most."""

from __future__ import annotations

import polars as pl

from warehouse.filters import Filters, where_clause
from warehouse.queries.base import BaseWarehouse, Result

# The funnel an executive reads (issue 14.6): three journeys, each step over its own base, and the
# orders of every sales channel on their own lines (a store order has no session, so it is never a
# step after the cart). step -> (journey, the step it is read over, unit of its rate).
JOURNEYS = ("digital", "fulfilment", "support", "orders")
STEPS = {
    "sessions": ("digital", None, None),
    "product views": ("digital", "sessions", "% of sessions"),
    "added to cart": ("digital", "product views", "% of product views"),
    "checkout": ("digital", "added to cart", "% of carts"),
    "orders from sessions": ("digital", "checkout", "% of checkouts"),
    "orders to deliver": ("fulfilment", "orders", "% of orders"),
    "delivered": ("fulfilment", "orders to deliver", "% of orders to deliver"),
    "delivered on time": ("fulfilment", "delivered", "% of delivered"),
    "post-purchase tickets": ("support", "orders", "per 100 orders"),
    # FCR's base: tickets whose 7-day repeat window has ended (the others' outcome is not known yet)
    "resolved first time": ("support", "tickets with a closed 7-day window", "% of tickets (7 days on)"),
}
# the count a step's base needs but no line shows
HIDDEN = ("tickets with a closed 7-day window",)

FUNNEL_FRICTION = {
    "orders from sessions": "abandoned_carts",
    "delivered on time": "late_deliveries",
    "resolved first time": "repeat_contacts",
}


def _read(counts: dict[str, float], step: str, channel_orders: dict[str, float]) -> dict:
    """One funnel line: its count, base, rate and the drop from the step before it."""
    journey, base_step, unit = STEPS.get(step, ("orders", "orders", "% of orders"))
    count = channel_orders[step.removesuffix(" orders")] if journey == "orders" else counts.get(step, 0)
    base = counts.get(base_step) if base_step else None
    rate = 100.0 * count / base if base else None  # a percentage, or per 100 orders
    follows_step_before = unit is not None and unit.startswith("%") and base_step in STEPS
    return {
        "journey": journey,
        "step": step,
        "count_events": count,
        "base_step": base_step,
        "base_count": base,
        "rate": rate,
        "rate_unit": unit,
        "count_dropped": base - count if follows_step_before and base is not None else None,
    }


class JourneyFunnelQueries(BaseWarehouse):
    # -- journey funnel -------------------------------------------------------------------
    def funnel(self, filters: Filters, by_channel: bool = False) -> Result:
        """The funnel's lines (JOURNEYS, STEPS): per step its count, the step it is read over
        (base_step, base_count), its rate (rate, in rate_unit) and, when that base is the step
        before it, the count dropped; the orders of each sales channel as lines of their own, each
        as a share of all orders. by_channel: the same per sales channel (channel first)."""
        f = self.resolve(filters)
        where, params = where_clause(f)
        sql = f"""
select channel, journey, stage, step_order, step, sum(count_events) as count_events
from mart_journey_funnel
where {where}
group by all
order by step_order, channel"""
        result = self.run(sql, params)
        rows = result.frame.to_dicts()
        stages = {r["step"]: (r["stage"], r["step_order"]) for r in rows}
        partitions = sorted({r["channel"] for r in rows}, key=str) if by_channel else [None]
        out = []
        for part in partitions:
            mine = [r for r in rows if not by_channel or r["channel"] == part]
            counts: dict[str, float] = {}
            channel_orders: dict[str, float] = {}
            for r in mine:
                counts[r["step"]] = counts.get(r["step"], 0) + float(r["count_events"] or 0)
                if r["step"] == "orders" and r["channel"] is not None:
                    channel_orders[r["channel"]] = channel_orders.get(r["channel"], 0) + float(
                        r["count_events"]
                    )
            lines = [s for s in STEPS if s in counts]
            lines += [f"{ch} orders" for ch in sorted(channel_orders)]
            for step in lines:
                line = _read(counts, step, channel_orders)
                stage, order = stages.get(step, stages.get("orders", ("purchase", 6)))
                out.append({"channel": part, "stage": stage, "step_order": order, **line})
        schema = {
            "channel": pl.Utf8, "journey": pl.Utf8, "stage": pl.Utf8, "step_order": pl.Int32, "step": pl.Utf8,
            "count_events": pl.Float64, "base_step": pl.Utf8, "base_count": pl.Float64, "rate": pl.Float64,
            "rate_unit": pl.Utf8, "count_dropped": pl.Float64,
        }  # fmt: skip
        frame = pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)
        journey_order = {j: i for i, j in enumerate(JOURNEYS)}
        frame = frame.with_columns(pl.col("count_events").cast(pl.Int64)).sort(
            [
                *(["channel"] if by_channel else []),
                pl.col("journey").replace_strict(journey_order),
                "step_order",
            ],
            nulls_last=True,
            maintain_order=True,
        )
        if not by_channel:
            frame = frame.drop("channel")
        return Result(frame, result.sql, result.params)

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
        frame = funnel.frame.join(mapping, on="step", how="left", maintain_order="left").join(
            costs.rename({"label": "friction_label"}), on="friction_point", how="left", maintain_order="left"
        )
        top = frame["yearly_cost_amount"].max() if frame.height else None
        frame = frame.with_columns(
            (pl.col("yearly_cost_amount") == top).fill_null(False).alias("is_costliest")
            if top  # a drop-off costing nothing (or not valued) is not "the costliest"
            else pl.lit(False).alias("is_costliest")
        )
        return Result(frame, funnel.sql, funnel.params)
