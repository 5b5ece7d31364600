"""The journey funnel page's figures: the funnel, conversion by channel, CX score per touchpoint."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import axis_format, left_margin, wrap
from dashboard.state import label
from warehouse.metrics import METRICS
from warehouse.queries.journey_funnel import JOURNEYS
from warehouse.targets import Target

STAGES = ["awareness", "consideration", "purchase", "fulfillment", "support"]


JOURNEY_TITLES = {
    "digital": "Digital journey: web and app sessions, each step as a share of the one before",
    "fulfilment": "Fulfilment: orders with a delivery promise or a delivery",
    "support": "Support after purchase: tickets about an order",
    "orders": "Orders by sales channel (store orders have no session: their own line)",
}


def _line_text(r: dict) -> str:
    count = f"{r['count_events']:,.0f}"
    if r["rate"] is None:
        return count
    if r["rate_unit"] == "per 100 orders":
        return f"{count} · {r['rate']:.1f} per 100 orders"
    return f"{count} · {r['rate']:.0f}{r['rate_unit']}"


@figure
def funnel(frame: pl.DataFrame) -> go.Figure:
    """One panel per journey (its own scale: sessions and tickets are not one unit), a bar per step
    with its count and its rate over the step it is read over."""
    journeys = [j for j in JOURNEYS if j in frame["journey"].to_list()]
    parts = {j: frame.filter(pl.col("journey") == j).to_dicts() for j in journeys}
    heights = [max(len(parts[j]), 1) + 1.2 for j in journeys]
    fig = make_subplots(
        rows=len(journeys),
        cols=1,
        row_heights=heights,
        vertical_spacing=0.35 / max(len(journeys), 1),
        subplot_titles=[JOURNEY_TITLES[j] for j in journeys],
    )
    names_all: list[str] = []
    for i, j in enumerate(journeys, start=1):
        rows = parts[j]
        names = [label(r["step"]) for r in rows]
        names_all += names
        counts = [float(r["count_events"] or 0) for r in rows]
        colours = [
            theme.PALETTE[STAGES.index(r["stage"])] if r["stage"] in STAGES else theme.GREY for r in rows
        ]
        fig.add_trace(
            go.Bar(
                y=names,
                x=counts,
                orientation="h",
                text=[_line_text(r) for r in rows],
                textposition="outside",
                cliponaxis=False,
                marker_color=colours,
                showlegend=False,
                customdata=[_line_text(r) for r in rows],
                hovertemplate="%{y}: %{customdata}<extra></extra>",
            ),
            row=i,
            col=1,
        )
        fig.update_yaxes(autorange="reversed", row=i, col=1)
        fig.update_xaxes(tickformat=",.0f", range=[0, max(counts or [1]) * 1.9 or 1], row=i, col=1)
    fig.update_annotations(font=dict(size=13), xanchor="left", x=0)
    fig.update_layout(
        title="The journey, each step over its own base",
        height=120 + 34 * sum(heights),
        margin=dict(l=left_margin(names_all), t=80),
    )
    return fig


@figure
def conversion_heatmap(frame: pl.DataFrame) -> go.Figure:
    """Each step's rate (a % of its base) by sales channel (rows) and step (columns); tickets per
    100 orders and the orders lines are in the table, not on this % scale."""
    frame = frame.filter(
        pl.col("rate").is_not_null()
        & pl.col("channel").is_not_null()
        & pl.col("rate_unit").str.starts_with("%")
        & (pl.col("journey") != "orders")
    )
    steps = frame.sort("step_order")["step"].unique(maintain_order=True).to_list()
    channels = sorted(frame["channel"].unique().to_list())
    lookup = {(r["channel"], r["step"]): r["rate"] for r in frame.to_dicts()}
    units = {r["step"]: r["rate_unit"] for r in frame.to_dicts()}
    z = [[lookup.get((c, s)) for s in steps] for c in channels]
    text = [["" if v is None else f"{v:.0f}%" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[wrap(f"{x} ({units[x]})", 14) for x in steps],
            y=[label(c) for c in channels],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#f7fbff"], [0.5, theme.SKY], [1, theme.BLUE]],
            zmin=0,
            zmax=100,
            colorbar=dict(title="%", ticksuffix="%"),
            hovertemplate="%{y}, %{x}: %{z:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title="Each step's rate by sales channel (% of the step it is read over)",
        height=170 + 45 * len(channels),
        xaxis=dict(side="bottom"),
        yaxis=dict(autorange="reversed"),
    )
    return fig


@figure
def stage_scores(frame: pl.DataFrame, targets: Mapping[str, Target]) -> go.Figure:
    """NPS, CSAT and CES at each journey stage, coloured by status against `targets` (a metric
    without a target: grey, no target line)."""
    stages = ["awareness", "consideration", "purchase", "fulfillment", "support"]
    frame = frame.filter(pl.col("touchpoint").is_in(stages))
    order = {s: i for i, s in enumerate(stages)}
    frame = frame.sort(pl.col("touchpoint").replace_strict(order, default=9))
    # only the surveys answered at some touchpoint: no empty panel for a survey never loaded
    keys = [k for k in ["nps", "csat", "ces"] if frame[k].drop_nulls().len()] or ["nps", "csat", "ces"]
    fig = make_subplots(
        rows=1,
        cols=len(keys),
        subplot_titles=[METRICS[k].label for k in keys],  # short: three side by side fit a phone
        horizontal_spacing=0.08,
    )
    for i, key in enumerate(keys, start=1):
        m = METRICS[key]
        values = frame[key].to_list()
        ns = frame[f"{key}__n"].to_list() if f"{key}__n" in frame.columns else [None] * len(values)
        small = [m.min_n and (n or 0) < m.min_n for n in ns]
        fig.add_trace(
            go.Bar(
                x=[label(t) for t in frame["touchpoint"].to_list()],
                y=values,
                showlegend=False,
                marker_color=[
                    theme.GREY if sm else theme.STATUS_COLOURS[m.status(v, targets.get(key))]
                    for v, sm in zip(values, small, strict=True)
                ],
                marker_pattern_shape=["/" if sm else "" for sm in small],
                text=[
                    m.fmt(v) + (f"<br>n={n or 0:.0f}" if sm and v is not None else "")
                    for v, n, sm in zip(values, ns, small, strict=True)
                ],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x}: %{text}<extra>" + m.label + "</extra>",
            ),
            row=1,
            col=i,
        )
        target = targets.get(key)
        if target is not None:
            fig.add_hline(y=target.target, line=dict(color=theme.MUTED, dash="dash", width=1), row=1, col=i)
        present = [v for v in values if v is not None] + ([target.target] if target else [])
        present = present or [0.0]
        low, high = min(0.0, *present), max(present)
        pad = 0.3 * (high - low or 1)
        top = min(high + pad, 112.0) if m.unit == "%" else high + pad
        fig.update_yaxes(**axis_format(key), range=[low - (pad if low < 0 else 0), top], row=1, col=i)
    fig.update_layout(height=380, margin=dict(t=60))
    return fig
