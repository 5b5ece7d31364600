"""The journey funnel page's figures: the funnel, conversion by channel, CX score per touchpoint."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.formatting import axis_format, left_margin, wrap
from dashboard.state import label
from warehouse.metrics import METRICS
from warehouse.targets import Target

STAGES = ["awareness", "consideration", "purchase", "fulfillment", "support"]


def funnel(frame: pl.DataFrame) -> go.Figure:
    steps = frame.sort("step_order")
    counts = steps["count_events"].cast(pl.Float64).to_list()
    conv = steps["step_conversion_pct"].to_list()
    text = []
    for c, p in zip(counts, conv, strict=True):
        if p is None:
            text.append(f"{c:,.0f}")
        elif p <= 100:
            text.append(f"{c:,.0f} · {p:.0f}% of the step before")
        else:
            text.append(f"{c:,.0f} · more than the step before (not all come through it)")
    names = [
        f"{label(s)} · {t}" for s, t in zip(steps["stage"].to_list(), steps["step"].to_list(), strict=True)
    ]
    colours = [theme.PALETTE[STAGES.index(s)] for s in steps["stage"].to_list()]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=counts,
            orientation="h",
            text=text,
            textposition="outside",
            cliponaxis=False,
            marker_color=colours,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Journey: count at each step, and conversion from the step before",
        height=100 + 44 * len(names),
        yaxis=dict(autorange="reversed"),
        xaxis=dict(title="Count", tickformat=",.0f", range=[0, max(counts or [1]) * 1.6]),
        margin=dict(l=left_margin(names)),
    )
    return fig


def conversion_heatmap(frame: pl.DataFrame) -> go.Figure:
    """Step conversion % by channel (rows) and step (columns)."""
    frame = frame.filter(pl.col("step_conversion_pct").is_not_null() & pl.col("channel").is_not_null())
    steps = frame.sort("step_order")["step"].unique(maintain_order=True).to_list()
    channels = sorted(frame["channel"].unique().to_list())
    lookup = {(r["channel"], r["step"]): r["step_conversion_pct"] for r in frame.to_dicts()}
    z = [[lookup.get((c, s)) for s in steps] for c in channels]
    text = [["" if v is None else f"{v:.0f}%" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[wrap(x, 12) for x in steps],
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
        title="Step conversion by channel (% of the step before)",
        height=120 + 45 * len(channels),
        xaxis=dict(side="bottom"),
    )
    return fig


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
