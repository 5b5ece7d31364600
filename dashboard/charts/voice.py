"""The Voice of the customer page's figures: sentiment by month, themes, key drivers. They draw
what warehouse/queries/voice.py returned; the models and the statistics are computed there."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import left_margin, wrap


@figure
def sentiment_trend(frame: pl.DataFrame) -> go.Figure:
    """Mean sentiment of the month's comments, a line per language (-1 to 1; 0 dotted)."""
    fig = go.Figure()
    for i, language in enumerate(sorted(frame["language"].unique().to_list())):
        part = frame.filter(pl.col("language") == language).sort("period_start")
        fig.add_trace(
            go.Scatter(
                x=part["period_start"].to_list(),
                y=part["mean_sentiment"].to_list(),
                mode="lines+markers",
                name=language,
                line=dict(color=theme.PALETTE[i % len(theme.PALETTE)], width=2),
                customdata=part["count_scored"].to_list(),
                hovertemplate="%{x|%b %Y}: %{y:+.2f} (%{customdata:,} comments)<extra>"
                + language
                + "</extra>",
            )
        )
    fig.add_hline(y=0, line=dict(color=theme.GREY, dash="dot", width=1))
    fig.update_yaxes(title_text="Mean sentiment", range=[-1, 1], tickformat="+.1f")
    fig.update_xaxes(dtick="M1" if frame["period_start"].n_unique() <= 6 else "M3", tickformat="%b %Y")
    fig.update_layout(
        title="Comments' mean sentiment by month (-1 to +1)",
        height=340,
        showlegend=frame["language"].n_unique() > 1,
        legend=dict(orientation="h", y=-0.2),
    )
    return fig


@figure
def theme_shares(frame: pl.DataFrame) -> go.Figure:
    """Each theme's share of the comments, coloured by its mean sentiment (blue positive,
    vermillion negative), largest on top."""
    ordered = frame.sort("count_comments")
    labels = [wrap(t, 22) for t in ordered["theme"].to_list()]  # two short lines fit a phone
    sentiment = ordered["mean_sentiment"].to_list()
    fig = go.Figure(
        go.Bar(
            x=[100 * s for s in ordered["share"].to_list()],
            y=labels,
            orientation="h",
            marker=dict(
                color=[s if s is not None else 0 for s in sentiment],
                colorscale=[[0, theme.VERMILLION], [0.5, "#dddddd"], [1, theme.BLUE]],
                cmin=-1,
                cmax=1,
                # under the bars, not beside them: on a phone a side bar takes a third of the width
                colorbar=dict(
                    title=dict(text="Sentiment", side="top"),
                    orientation="h",
                    thickness=8,
                    len=0.6,
                    y=-0.32,
                    yanchor="top",
                ),
            ),
            customdata=list(zip(ordered["count_comments"].to_list(), sentiment, strict=True)),
            hovertemplate="%{y}: %{x:.1f}% of comments (%{customdata[0]:,}), sentiment "
            "%{customdata[1]:+.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Share of comments", ticksuffix="%")
    fig.update_layout(
        title="Themes: share of comments, coloured by sentiment",
        height=max(300, 40 * len(labels) + 190),
        margin=dict(l=left_margin(labels), b=120),
    )
    return fig


@figure
def driver_effects(frame: pl.DataFrame, metric_label: str) -> go.Figure:
    """Measured drivers ranked by their effect on the metric, with 95% confidence intervals."""
    ordered = frame.sort(pl.col("effect").abs())
    labels = [wrap(x, 26) for x in ordered["label"].to_list()]
    effects = ordered["effect"].to_list()
    fig = go.Figure(
        go.Bar(
            x=effects,
            y=labels,
            orientation="h",
            marker_color=[theme.BLUE if e >= 0 else theme.VERMILLION for e in effects],
            error_x=dict(
                type="data",
                symmetric=False,
                array=[hi - e for hi, e in zip(ordered["ci_high"].to_list(), effects, strict=True)],
                arrayminus=[e - lo for lo, e in zip(ordered["ci_low"].to_list(), effects, strict=True)],
                color=theme.TEXT,
                thickness=1.2,
            ),
            customdata=ordered.select("ci_low", "ci_high", "n").rows(),
            hovertemplate="%{y}: %{x:+.1f} points (95% CI %{customdata[0]:+.1f} to "
            "%{customdata[1]:+.1f}; n = %{customdata[2]:,})<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color=theme.GREY, width=1))
    fig.update_xaxes(title_text=f"Effect on {metric_label} (points)", tickformat="+.0f")
    fig.update_layout(
        title=f"What moves {metric_label} (effect, 95% interval)",
        height=max(260, 44 * len(labels) + 110),
        margin=dict(l=left_margin(labels)),
    )
    return fig
