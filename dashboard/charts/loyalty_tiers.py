"""The loyalty tiers page's figures: per-tier panels and the tier migration Sankey."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.formatting import wrap
from dashboard.state import TIER_ORDER, tier_label
from warehouse import money

TIER_PANELS = [
    ("revenue_share_pct", "Revenue share", "{:.0f}%"),
    ("orders_per_customer", "Orders per customer", "{:.2f}"),
    ("aov", "AOV", "¤{:.0f}"),
    ("clv", "CLV", "¤{:,.0f}"),
    ("churn_rate", "Churn rate", "{:.0f}%"),
    ("nps", "NPS", "{:+.0f}"),
    ("csat", "CSAT", "{:.0f}%"),
    ("return_rate", "Return rate", "{:.1f}%"),
    ("cost_to_serve_per_customer", "Cost to serve per customer", "¤{:.2f}"),
]


def tier_panels(frame: pl.DataFrame) -> go.Figure:
    tiers = [t for t in TIER_ORDER if t in frame["tier"].to_list()]
    rows = {r["tier"]: r for r in frame.to_dicts()}
    # a panel whose value no tier has (CLV without a margin assumption, NPS without NPS answers)
    # is left out rather than drawn empty
    panels = [p for p in TIER_PANELS if p[0] in frame.columns and frame[p[0]].drop_nulls().len()]
    rows_n = max(1, -(-len(panels) // 3))
    fig = make_subplots(
        rows=rows_n,
        cols=3,
        subplot_titles=[wrap(p[1], 12) for p in panels],  # three to a row must fit a phone
        vertical_spacing=0.16 if rows_n > 1 else 0.1,
    )
    for i, (col, _title, fmt) in enumerate(panels):
        values = [rows[t][col] for t in tiers]
        fig.add_trace(
            go.Bar(
                x=[tier_label(t) for t in tiers],
                y=values,
                marker_color=[theme.TIER_COLOURS[t] for t in tiers],
                text=["–" if v is None else money.text(fmt.format(v)) for v in values],
                textposition="outside",
                cliponaxis=False,
                showlegend=False,
                hovertemplate="%{x}: %{text}<extra>" + _title + "</extra>",
            ),
            row=i // 3 + 1,
            col=i % 3 + 1,
        )
    fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_layout(height=240 * rows_n, margin=dict(t=50))
    return fig


def tier_sankey(frame: pl.DataFrame, date_a, date_b) -> go.Figure:
    tiers = [
        t for t in TIER_ORDER if t in set(frame["tier_from"].to_list()) | set(frame["tier_to"].to_list())
    ]
    left = {t: i for i, t in enumerate(tiers)}
    right = {t: i + len(tiers) for i, t in enumerate(tiers)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(
                label=[f"{tier_label(t)} ({date_a:%d %b %Y})" for t in tiers]
                + [f"{tier_label(t)} ({date_b:%d %b %Y})" for t in tiers],
                color=[theme.TIER_COLOURS[t] for t in tiers] * 2,
                pad=18,
                thickness=18,
            ),
            link=dict(
                source=[left[t] for t in frame["tier_from"].to_list()],
                target=[right[t] for t in frame["tier_to"].to_list()],
                value=frame["count_customers"].to_list(),
                color=[
                    "rgba(0,114,178,0.35)" if a != b else "rgba(153,153,153,0.25)"
                    for a, b in zip(frame["tier_from"].to_list(), frame["tier_to"].to_list(), strict=True)
                ],
                hovertemplate="%{source.label} → %{target.label}: %{value:,.0f} customers<extra></extra>",
            ),
        )
    )
    fig.update_layout(
        title=f"Tier migration: customers by tier on {date_a:%d %b %Y} and on {date_b:%d %b %Y}", height=440
    )
    return fig
