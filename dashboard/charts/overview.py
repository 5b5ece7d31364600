"""The overview's and the monthly review's figures: KPI trends, top friction costs, roadmap health."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import axis_format, left_margin, money_label
from warehouse import money
from warehouse.metrics import METRICS
from warehouse.targets import Target


@figure
def kpi_trends(
    series: pl.DataFrame,
    keys: list[str],
    targets: Mapping[str, Target],
    cols: int = 4,
    highlight=None,
    title: str = "",
) -> go.Figure:
    """Small multiples: each metric by month, with its target dashed. A metric without any value
    (its data is not loaded, e.g. NPS from a marketplace export) gets no empty panel."""
    measured = (
        series.filter(pl.col("value").is_not_null())["metric"].unique().to_list() if series.height else []
    )
    keys = [k for k in keys if k in measured]
    months = series["period"].n_unique() if series.height else 0
    month_step = "M1" if months <= 4 else ("M3" if months <= 15 else "M6")
    rows = max(1, -(-len(keys) // cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[METRICS[k].label for k in keys],
        horizontal_spacing=0.07,
        vertical_spacing=0.2 if rows > 1 else 0.1,
    )
    for i, key in enumerate(keys):
        r, c = i // cols + 1, i % cols + 1
        part = series.filter(pl.col("metric") == key).sort("period")
        m = METRICS[key]
        fig.add_trace(
            go.Scatter(
                x=part["period"].to_list(),
                y=part["value"].to_list(),
                mode="lines+markers",
                name=m.label,
                line=dict(color=theme.BLUE, width=2),
                marker=dict(size=5),
                showlegend=False,
                customdata=[m.fmt(v) for v in part["value"].to_list()],
                hovertemplate="%{x|%b %Y}: %{customdata}<extra>" + m.label + "</extra>",
            ),
            row=r,
            col=c,
        )
        if key in targets:
            fig.add_hline(
                y=targets[key].target, line=dict(color=theme.GREEN, dash="dash", width=1.5), row=r, col=c
            )
        # the axis holds the values and the target line, so the line never sits on the panel's title
        shown = [v for v in part["value"].to_list() if v is not None]
        shown += [targets[key].target] if key in targets else []
        low, high = min(shown), max(shown)
        pad = 0.12 * (high - low or abs(high) or 1)
        fig.update_yaxes(**axis_format(key), range=[low - pad, high + pad], row=r, col=c, nticks=4)
        # one tick a month (or a quarter, half-year), never between months: a two-month trend would
        # otherwise repeat its month ("Apr 2023", "Apr")
        fig.update_xaxes(tickformat="%b\n%Y", dtick=month_step, row=r, col=c)
        if highlight is not None:
            fig.add_vline(x=highlight, line=dict(color=theme.MUTED, dash="dot", width=1), row=r, col=c)
    fig.update_annotations(font=dict(size=13))
    fig.update_layout(height=240 * rows + 40, title=title, margin=dict(t=70 if title else 40))
    return fig


@figure
def friction_top(frame: pl.DataFrame, title: str = "Largest friction costs (per year)") -> go.Figure:
    frame = frame.sort("yearly_cost_amount")
    values = frame["yearly_cost_amount"].to_list()
    fig = go.Figure(
        go.Bar(
            x=values,
            y=frame["label"].to_list(),
            orientation="h",
            marker_color=theme.VERMILLION,
            text=[money_label(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}: {money.symbol()}%{{x:,.0f}} a year<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=90 + 48 * frame.height,
        xaxis=dict(tickprefix=money.symbol(), tickformat="~s", nticks=4, showgrid=True),
        margin=dict(l=left_margin(frame["label"].to_list()), r=60),
    )
    return fig


@figure
def roadmap_health(frame: pl.DataFrame) -> go.Figure:
    order = [st for st in theme.INITIATIVE_LABELS if st in frame["status"].to_list()]
    counts = dict(zip(frame["status"].to_list(), frame["count_initiatives"].to_list(), strict=True))
    names = [theme.INITIATIVE_LABELS[st] for st in order]
    fig = go.Figure(
        go.Bar(
            x=[counts[st] for st in order],
            y=names,
            orientation="h",
            marker_color=[theme.INITIATIVE_COLOURS[st] for st in order],
            text=[counts[st] for st in order],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x} initiatives<extra></extra>",
        )
    )
    fig.update_layout(
        title="Roadmap initiatives by status",
        height=90 + 40 * len(order),
        yaxis=dict(autorange="reversed"),
        xaxis=dict(dtick=1, title="Initiatives"),
        margin=dict(l=left_margin(names), r=30),
    )
    return fig
