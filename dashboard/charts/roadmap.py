"""The roadmap page's figures: the timeline (Gantt) and each initiative's KPI progress."""

from __future__ import annotations

from datetime import timedelta

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import left_margin

PHASE_LABELS = {
    "diagnose": "1 · Diagnose",
    "deliver": "2 · Deliver quick wins",
    "operationalize": "3 · Operationalise",
}


@figure
def roadmap_timeline(frame: pl.DataFrame, today) -> go.Figure:
    frame = frame.sort(["start_day", "initiative_id"])
    names = [
        f"{i} {n}"
        for i, n in zip(frame["initiative_id"].to_list(), frame["initiative_name"].to_list(), strict=True)
    ]
    data = {
        "Initiative": names,
        "Start": frame["start_date"].to_list(),
        "End": [d + timedelta(days=1) for d in frame["end_date"].to_list()],
        "Status": [theme.INITIATIVE_LABELS.get(s, s) for s in frame["status"].to_list()],
        "Complete": [f"{p:.0f}% complete" for p in frame["percent_complete"].to_list()],
        "Phase": [PHASE_LABELS.get(p, p) for p in frame["phase"].to_list()],
    }
    colours = {theme.INITIATIVE_LABELS[k]: v for k, v in theme.INITIATIVE_COLOURS.items()}
    fig = px.timeline(
        data,
        x_start="Start",
        x_end="End",
        y="Initiative",
        color="Status",
        text="Complete",
        color_discrete_map=colours,
        hover_data={"Phase": True, "Complete": True},
        category_orders={"Initiative": names, "Status": list(colours)},
    )
    fig.update_traces(textposition="inside", insidetextanchor="start", textfont=dict(size=11))
    fig.update_yaxes(title=None)
    for step, phase in enumerate(PHASE_LABELS):
        part = frame.filter(pl.col("phase") == phase)
        if part.height:
            start, end = part["start_date"].min(), part["end_date"].max()
            fig.add_vrect(
                x0=start,
                x1=end + timedelta(days=1),
                fillcolor=theme.GRID,
                opacity=0.35,
                line_width=0,
                layer="below",
            )
            fig.add_annotation(
                x=start,
                y=1.0,
                yref="paper",
                text=PHASE_LABELS[phase],
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                yshift=16 * step,  # stepped: on a phone the phases are too short for their names
                font=dict(size=12, color=theme.MUTED),
            )
    if today is not None:
        fig.add_shape(
            type="line",
            x0=today,
            x1=today,
            y0=0,
            y1=1,
            yref="paper",
            line=dict(color=theme.VERMILLION, width=2),
        )
        fig.add_annotation(
            x=today,
            y=1.0,
            yref="paper",
            text=f"today, {today:%d %b}",
            showarrow=False,
            xanchor="right",
            yanchor="top",
            bgcolor="rgba(255,255,255,0.85)",
            font=dict(color=theme.VERMILLION, size=12),
        )
    fig.update_layout(
        height=150 + 34 * frame.height,
        legend=dict(orientation="h", y=-0.06, yanchor="top", title_text="Status "),
        margin=dict(t=70, b=90, l=left_margin(names)),
        xaxis=dict(title=None, tickformat="%d %b %Y"),
    )
    return fig


@figure
def kpi_progress(frame: pl.DataFrame) -> go.Figure:
    frame = frame.filter(pl.col("kpi_progress_pct").is_not_null()).sort("initiative_id", descending=True)
    values = frame["kpi_progress_pct"].to_list()
    shown = [max(-50.0, min(150.0, v)) for v in values]
    colours = [theme.GREEN if v >= 100 else theme.ORANGE if v >= 0 else theme.VERMILLION for v in values]
    names = [
        f"{i} · {k}"
        for i, k in zip(frame["initiative_id"].to_list(), frame["kpi_label"].to_list(), strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=shown,
            y=names,
            orientation="h",
            marker_color=colours,
            text=[f"{v:.0f}%" for v in values],
            textposition=["inside" if v < -20 else "outside" for v in values],
            insidetextanchor="start",
            cliponaxis=False,
            hovertemplate="%{y}: %{text} of the way from baseline to target<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color=theme.MUTED, width=1))
    fig.add_vline(x=100, line=dict(color=theme.GREEN, dash="dash", width=1.5))
    fig.add_annotation(
        x=100,
        y=1,
        yref="paper",
        text="target",
        showarrow=False,
        yanchor="bottom",
        font=dict(color=theme.GREEN),
    )
    fig.update_layout(  # (its title is the page's caption: a long chart title does not fit a phone)
        height=90 + 36 * frame.height,
        xaxis=dict(ticksuffix="%", range=[-55, 165]),
        margin=dict(r=40, l=left_margin(names)),
    )
    return fig
