"""The loyalty tiers page's figures: per-tier panels and the tier migration Sankey."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.charts.cache import figure
from dashboard.charts.formatting import wrap
from dashboard.state import TIER_ORDER, tier_label
from warehouse import money
from warehouse.metrics import METRICS

# (column, title, format, the column of its n, the column of its 95% margin)
TIER_PANELS = [
    ("revenue_share_pct", "Revenue share", "{:.0f}%", None, None),
    ("orders_per_customer", "Orders per customer", "{:.2f}", "count_customers", None),
    ("aov", "AOV", "¤{:.0f}", "aov__n", None),
    ("clv", "CLV", "¤{:,.0f}", "count_churned", "clv__margin"),
    ("churn_rate", "Churn rate", "{:.0f}%", "churn_rate__n", "churn_rate__margin"),
    ("nps", "NPS", "{:+.0f}", "nps__n", "nps__margin"),
    ("csat", "CSAT", "{:.0f}%", "csat__n", "csat__margin"),
    ("return_rate", "Return rate", "{:.1f}%", None, None),
    ("cost_to_serve_per_customer", "Cost to serve per customer", "¤{:.2f}", None, None),
]
# what n counts in each panel's hover and low-n note
N_NAMES = {"count_customers": "customers", "count_churned": "churners", "churn_rate__n": "customers"}
LOW_N = "#d9d9d9"


def _is_small(col: str, row: dict) -> bool:
    """Too few to read: survey answers below the metric's min_n, a CLV on too few churners."""
    if col == "clv":
        return bool(row.get("is_clv_few_churners"))
    m = METRICS.get(col)
    n = row.get(f"{col}__n")
    return bool(m and m.min_n and row.get(col) is not None and (n or 0) < m.min_n)


@figure
def tier_panels(frame: pl.DataFrame) -> go.Figure:
    """One small bar chart per figure, a bar per tier. Hover gives each bar's n and 95% margin
    (error bars where there is one); a bar on too few answers or churners is grey, hatched, and
    says its n."""
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
    for i, (col, title, fmt, n_col, margin_col) in enumerate(panels):
        values = [rows[t][col] for t in tiers]
        ns = [rows[t].get(n_col) if n_col else None for t in tiers]
        margins = [rows[t].get(margin_col) if margin_col else None for t in tiers]
        small = [_is_small(col, rows[t]) for t in tiers]
        n_name = N_NAMES.get(n_col, "answers" if col in ("nps", "csat") else "orders")
        text = [
            ("–" if v is None else money.text(fmt.format(v))) + (f"<br>n={n or 0:,.0f}" if sm else "")
            for v, n, sm in zip(values, ns, small, strict=True)
        ]
        hover = [
            f"{tier_label(t)}: {'–' if v is None else money.text(fmt.format(v))}"
            + (f" ± {money.text(fmt.format(mg)).lstrip('+')}" if mg is not None else "")
            + (f", n = {n:,.0f} {n_name}" if n is not None else "")
            + (" (too few to read)" if sm else "")
            for t, v, mg, n, sm in zip(tiers, values, margins, ns, small, strict=True)
        ]
        # the range follows the bars (and room for their labels), not the error bars: a margin of
        # +/- 200% on a CLV of 1 churner must not flatten the other tiers' bars; whiskers stop at
        # the panel's edge instead of running into the next panel
        present = [v for v in values if v is not None] or [0.0]
        high, low = max(0.0, *present), min(0.0, *present)
        span = (high - low) or 1.0
        top, bottom = high + (0.6 if any(small) else 0.35) * span, low - (0.3 * span if low < 0 else 0)
        up = [
            min(mg, top - v) if mg is not None and v is not None else 0
            for v, mg in zip(values, margins, strict=True)
        ]
        down = [
            min(mg, v - bottom) if mg is not None and v is not None else 0
            for v, mg in zip(values, margins, strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=[tier_label(t) for t in tiers],
                y=values,
                marker_color=[
                    LOW_N if sm else theme.TIER_COLOURS[t] for t, sm in zip(tiers, small, strict=True)
                ],
                marker_pattern_shape=["/" if sm else "" for sm in small],
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=up,
                    arrayminus=down,
                    visible=any(mg is not None for mg in margins),
                    color=theme.MUTED,
                    thickness=1,
                    width=3,
                ),
                text=text,
                textposition="outside",
                textfont=dict(size=11),
                constraintext="none",  # the n under a greyed value stays readable, not shrunk to the bar
                cliponaxis=False,
                showlegend=False,
                customdata=hover,
                hovertemplate="%{customdata}<extra>" + title + "</extra>",
            ),
            row=i // 3 + 1,
            col=i % 3 + 1,
        )
        fig.update_yaxes(range=[bottom, top], row=i // 3 + 1, col=i % 3 + 1)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_layout(height=270 * rows_n, margin=dict(t=50))
    return fig


@figure
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
