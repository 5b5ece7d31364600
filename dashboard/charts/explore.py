"""The explorer's figure: the chosen measure by the chosen group."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard import theme
from dashboard.charts.cache import figure


@figure
def explore_bar(frame: pl.DataFrame, group: str, measure: str) -> go.Figure:
    from dashboard.labels import column

    more = frame.height > 60
    frame = frame.head(60)
    x = [str(v) for v in frame[group].to_list()]
    fig = go.Figure(go.Bar(x=x, y=frame[measure].cast(pl.Float64).to_list(), marker_color=theme.BLUE))
    fig.update_layout(
        title=f"{column(measure)} by {column(group).lower()}" + (" (first 60 rows)" if more else ""),
        height=360,
        xaxis=dict(title=f"{column(group)} ({group})", type="category"),
        yaxis=dict(title=f"{column(measure)} ({measure})", tickformat=",~f"),
    )
    return fig
