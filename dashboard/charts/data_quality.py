"""The data quality page's figures: rows per source and quarantined rows by rule."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import left_margin


@figure
def rows_by_source(loads: pl.DataFrame) -> go.Figure:
    """Rows loaded and rows quarantined per source, each on its own scale (stacked per file)."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=["Rows loaded", "Rows quarantined"], horizontal_spacing=0.1
    )
    for i, (col, colour) in enumerate(
        (("count_rows_loaded", theme.BLUE), ("count_rows_quarantined", theme.VERMILLION)), start=1
    ):
        fig.add_trace(
            go.Bar(
                x=loads["source_name"].to_list(),
                y=loads[col].to_list(),
                marker_color=colour,
                customdata=loads["file_name"].to_list(),
                showlegend=False,
                hovertemplate="%{customdata}: %{y:,.0f} rows<extra></extra>",
            ),
            row=1,
            col=i,
        )
    fig.update_yaxes(tickformat=",.0f")
    fig.update_layout(
        barmode="stack",
        title="Rows per source (a bar stacks the source's files)",
        height=380,
        margin=dict(t=70),
    )
    return fig


@figure
def rules(frame: pl.DataFrame, top: int = 15) -> go.Figure:
    more = max(0, frame.height - top)
    frame = frame.sort("count_rows", descending=True).head(top).sort("count_rows")
    y = [
        f"{s} · {r} ({c})"
        for s, r, c in zip(
            frame["source_name"].to_list(),
            frame["rule_name"].to_list(),
            frame["column_name"].to_list(),
            strict=True,
        )
    ]
    fig = go.Figure(
        go.Bar(
            x=frame["count_rows"].to_list(),
            y=y,
            orientation="h",
            marker_color=theme.VERMILLION,
            text=frame["count_rows"].to_list(),
            textposition="outside",
            cliponaxis=False,
        )
    )
    title = "Quarantined rows by rule" + (f" (the {top} largest; {more} more in the table)" if more else "")
    fig.update_layout(
        title=title, height=100 + 30 * frame.height, xaxis=dict(title="Rows"), margin=dict(l=left_margin(y))
    )
    return fig
