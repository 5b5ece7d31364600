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


# Each panel's bar per tier is this tall (px: room for two lines, a value and its n), and a row of
# panels has this much above its bars for its two-line titles
BAR_PX = 30
TITLE_PX = 62
# the share of each panel's width its values' column takes (a phone's panel is ~95 px: ~45 px)
VALUES_SHARE = 0.48


@figure
def tier_panels(frame: pl.DataFrame) -> go.Figure:
    """One small bar chart per figure, three to a row, a horizontal bar per tier with the tier
    names once at the left of each row. Horizontal because the same figure is drawn on a phone:
    a third of 390 px leaves room for five bars' lengths and their values beside them, not for
    five upright bars' values over them nor for their names under them. Hover gives each bar's n
    and 95% margin (error bars where there is one); a bar on too few answers or churners is grey,
    hatched, and says its n."""
    tiers = [t for t in TIER_ORDER if t in frame["tier"].to_list()]
    names = [tier_label(t) for t in tiers]
    rows = {r["tier"]: r for r in frame.to_dicts()}
    # a panel whose value no tier has (CLV without a margin assumption, NPS without NPS answers)
    # is left out rather than drawn empty
    panels = [p for p in TIER_PANELS if p[0] in frame.columns and frame[p[0]].drop_nulls().len()]
    rows_n = max(1, -(-len(panels) // 3))
    row_px = TITLE_PX + BAR_PX * max(len(tiers), 1)
    height = 20 + rows_n * row_px
    fig = make_subplots(
        rows=rows_n,
        cols=3,
        shared_yaxes=True,  # the tier names once per row
        subplot_titles=[wrap(p[1], 14) for p in panels],  # at most two lines over a phone's panel
        horizontal_spacing=0.05,
        vertical_spacing=TITLE_PX / height if rows_n > 1 else 0.0,
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
        # the range follows the bars, not the error bars: a margin of +/- 200% on a CLV of 1
        # churner must not flatten the other tiers' bars, so whiskers stop short of the values'
        # column (hover gives the whole margin). The values stand in a column just right of the
        # longest bar, clear of bars and whiskers of any length or sign.
        present = [v for v in values if v is not None] or [0.0]
        high, low = max(0.0, *present), min(0.0, *present)
        span = (high - low) or 1.0
        reach, bottom = high + 0.05 * span, low - (0.05 * span if low < 0 else 0.0)
        column = high + 0.18 * span  # a gap between the whiskers' reach and the values
        top = column + VALUES_SHARE / (1 - VALUES_SHARE) * (column - bottom)
        up = [
            min(mg, reach - v) if mg is not None and v is not None else 0
            for v, mg in zip(values, margins, strict=True)
        ]
        down = [
            min(mg, v - bottom) if mg is not None and v is not None else 0
            for v, mg in zip(values, margins, strict=True)
        ]
        place = dict(row=i // 3 + 1, col=i % 3 + 1)
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=names,
                x=values,
                marker_color=[
                    LOW_N if sm else theme.TIER_COLOURS[t] for t, sm in zip(tiers, small, strict=True)
                ],
                marker_pattern_shape=["/" if sm else "" for sm in small],
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=up,
                    arrayminus=down,
                    visible=any(mg is not None for mg in margins),
                    color=theme.MUTED,
                    thickness=1,
                    width=3,
                ),
                showlegend=False,
                customdata=hover,
                hovertemplate="%{customdata}<extra>" + title + "</extra>",
            ),
            **place,
        )
        fig.add_trace(
            go.Scatter(
                x=[column] * len(tiers),
                y=names,
                mode="text",
                text=text,
                textposition="middle right",
                textfont=dict(size=11, color=theme.TEXT),
                showlegend=False,
                customdata=hover,
                hovertemplate="%{customdata}<extra>" + title + "</extra>",
                cliponaxis=False,
            ),
            **place,
        )
        fig.update_xaxes(range=[bottom, top], **place)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=True, zerolinecolor=theme.GRID)
    # the tiers top to bottom, their names clear of the axis line
    fig.update_yaxes(autorange="reversed", ticks="", ticksuffix=" ", showgrid=False)
    fig.update_annotations(font_size=13)  # the panels' titles, one or two lines over a phone's panel
    fig.update_layout(height=height, margin=dict(t=TITLE_PX - 10, l=8, r=8, b=10), bargap=0.25)
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
