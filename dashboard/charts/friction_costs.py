"""The friction costs page's figures: the Pareto chart and the impact/complexity matrix."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import money_label, wrap
from dashboard.labels import QUADRANTS
from warehouse import money


@figure
def pareto(frame: pl.DataFrame, title: str = "Friction costs, yearly run-rate (Pareto)") -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    values = frame["yearly_cost_amount"].to_list()
    names = [wrap(x) for x in frame["label"].to_list()]
    fig.add_trace(
        go.Bar(
            x=names,
            y=values,
            name="Yearly run-rate",
            marker_color=theme.VERMILLION,
            text=[money_label(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{x}}: {money.symbol()}%{{y:,.0f}} a year<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=frame["cumulative_share_pct"].to_list(),
            name="Cumulative share",
            mode="lines+markers",
            line=dict(color=theme.BLUE, width=2),
            hovertemplate="%{x}: %{y:.0f}% of the total so far<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.update_yaxes(
        title_text="Yearly run-rate",
        tickprefix=money.symbol(),
        tickformat=",.0f",
        secondary_y=False,
        range=[0, max(values or [1]) * 1.15],
    )
    fig.update_yaxes(
        title_text="Cumulative share (%)",
        ticksuffix="%",
        range=[0, 105],
        tickvals=[0, 20, 40, 60, 80, 100],
        secondary_y=True,
        showgrid=False,
    )
    fig.update_layout(title=title, height=440, margin=dict(t=90))
    return fig


DODGE = {1: 0.0, 2: 0.22, 3: -0.22, 4: 0.44, 5: -0.44}


@figure
def impact_matrix(frame: pl.DataFrame) -> go.Figure:
    """Yearly cost (impact) against the complexity of the easiest roadmap fix; quick wins shaded."""
    # points sharing a complexity are spread sideways a little so their numbers stay readable
    planned = (
        frame.with_row_index("#", offset=1)
        .filter(pl.col("complexity").is_not_null())
        .with_columns(pl.col("#").rank("ordinal").over("complexity").alias("_nth"))
        .with_columns(
            (
                pl.col("complexity")
                + pl.col("_nth").replace_strict(DODGE, default=0.0, return_dtype=pl.Float64)
            ).alias("_x")
        )
    )
    median = frame["impact_median_amount"][0] if frame.height else 0
    top = (planned["yearly_cost_amount"].max() or 1) * 1.25
    fig = go.Figure()
    fig.add_shape(
        type="rect", x0=0.5, x1=2.5, y0=median, y1=top, fillcolor=theme.GREEN, opacity=0.12, line_width=0
    )
    fig.add_annotation(
        x=0.6,
        y=top,
        text="<b>Quick wins</b>: high cost, simple fix",
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font=dict(color=theme.GREEN),
    )
    for quadrant, colour in (
        ("quick_win", theme.GREEN),
        ("major_project", theme.ORANGE),
        ("fill_in", theme.SKY),
        ("deprioritise", theme.GREY),
    ):
        part = planned.filter(pl.col("quadrant") == quadrant)
        if part.height == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["_x"].to_list(),
                y=part["yearly_cost_amount"].to_list(),
                mode="markers+text",
                name=QUADRANTS[quadrant],
                text=[str(n) for n in part["#"].to_list()],
                textposition="middle center",
                textfont=dict(color="white", size=12),
                marker=dict(size=21, color=colour, line=dict(color="white", width=1)),
                customdata=[
                    [name, money_label(v), c]
                    for name, v, c in zip(
                        part["label"].to_list(),
                        part["yearly_cost_amount"].to_list(),
                        part["complexity"].to_list(),
                        strict=True,
                    )
                ],
                hovertemplate="%{text}. %{customdata[0]}: %{customdata[1]} a year, "
                "fix complexity %{customdata[2]}<extra></extra>",
            )
        )
    fig.add_hline(y=median, line=dict(color=theme.MUTED, dash="dot", width=1))
    fig.add_vline(x=2.5, line=dict(color=theme.MUTED, dash="dot", width=1))
    fig.update_layout(
        title="Impact against complexity of the planned fix (numbers as in the table)",
        height=460,
        xaxis=dict(
            title="Complexity of the easiest roadmap fix (1 = simple, 5 = hard)", range=[0.5, 5.5], dtick=1
        ),
        yaxis=dict(
            title="Yearly run-rate", tickprefix=money.symbol(), tickformat=",.0f", range=[-0.05 * top, top]
        ),
        margin=dict(t=90),
    )
    return fig
