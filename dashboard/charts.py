"""Plotly figures for the pages and the board pack. They draw what the warehouse returned; they
compute no KPI. All use the "cx" template (dashboard/theme.py)."""

from __future__ import annotations

from datetime import timedelta

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.labels import QUADRANTS
from dashboard.state import TIER_ORDER, label, tier_label
from warehouse import money
from warehouse.metrics import METRICS

theme.register()


def _money(v: float | None) -> str:
    if v is None:
        return "–"
    sign = money.symbol()
    if abs(v) >= 1e6:
        return f"{sign}{v / 1e6:.1f}m"
    if abs(v) >= 1e4:
        return f"{sign}{v / 1e3:.0f}k"
    if abs(v) >= 1e3:
        return f"{sign}{v / 1e3:.1f}k"
    return f"{sign}{v:.0f}"


def _left_margin(labels: list[str]) -> int:
    """Room for horizontal-bar labels (Plotly's automargin is unreliable when the chart is first
    drawn narrow)."""
    return 12 + 7 * max((len(str(x)) for x in labels), default=0)


def _wrap(text: str, width: int = 14) -> str:
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "<br>".join([*lines, line])


def _axis_format(key: str) -> dict:
    unit = METRICS[key].unit
    return {"%": {"ticksuffix": "%"}, "money": {"tickprefix": money.symbol()}, "s": {"ticksuffix": " s"}}.get(
        unit, {}
    )


# -- overview and monthly review ------------------------------------------------------------
def kpi_trends(
    series: pl.DataFrame, keys: list[str], cols: int = 4, highlight=None, title: str = ""
) -> go.Figure:
    """Small multiples: each metric by month, with its target dashed. A metric without any value
    (its data is not loaded, e.g. NPS from a marketplace export) gets no empty panel."""
    measured = (
        series.filter(pl.col("value").is_not_null())["metric"].unique().to_list() if series.height else []
    )
    keys = [k for k in keys if k in measured]
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
        fig.add_hline(y=m.target, line=dict(color=theme.GREEN, dash="dash", width=1.5), row=r, col=c)
        fig.update_yaxes(**_axis_format(key), row=r, col=c, nticks=4)
        fig.update_xaxes(tickformat="%b\n%Y", nticks=4, row=r, col=c)
        if highlight is not None:
            fig.add_vline(x=highlight, line=dict(color=theme.MUTED, dash="dot", width=1), row=r, col=c)
    fig.update_annotations(font=dict(size=13))
    fig.update_layout(height=240 * rows + 40, title=title, margin=dict(t=70 if title else 40))
    return fig


def friction_top(frame: pl.DataFrame, title: str = "Largest friction costs (per year)") -> go.Figure:
    frame = frame.sort("yearly_cost_amount")
    values = frame["yearly_cost_amount"].to_list()
    fig = go.Figure(
        go.Bar(
            x=values,
            y=frame["label"].to_list(),
            orientation="h",
            marker_color=theme.VERMILLION,
            text=[_money(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}: {money.symbol()}%{{x:,.0f}} a year<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=90 + 48 * frame.height,
        xaxis=dict(tickprefix=money.symbol(), tickformat=",.0f", showgrid=True),
        margin=dict(l=_left_margin(frame["label"].to_list()), r=60),
    )
    return fig


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
        margin=dict(l=_left_margin(names), r=30),
    )
    return fig


# -- journey --------------------------------------------------------------------------------
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
        margin=dict(l=_left_margin(names)),
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
            x=[_wrap(x, 12) for x in steps],
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


def stage_scores(frame: pl.DataFrame) -> go.Figure:
    stages = ["awareness", "consideration", "purchase", "fulfillment", "support"]
    frame = frame.filter(pl.col("touchpoint").is_in(stages))
    order = {s: i for i, s in enumerate(stages)}
    frame = frame.sort(pl.col("touchpoint").replace_strict(order, default=9))
    # only the surveys answered at some touchpoint: no empty panel for a survey never loaded
    keys = [k for k in ["nps", "csat", "ces"] if frame[k].drop_nulls().len()] or ["nps", "csat", "ces"]
    fig = make_subplots(
        rows=1,
        cols=len(keys),
        subplot_titles=[f"{METRICS[k].label} by touchpoint" for k in keys],
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
                    theme.GREY if sm else theme.STATUS_COLOURS[m.status(v)]
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
        fig.add_hline(y=m.target, line=dict(color=theme.MUTED, dash="dash", width=1), row=1, col=i)
        present = [v for v in values if v is not None] + [m.target]
        low, high = min(0.0, *present), max(present)
        pad = 0.3 * (high - low or 1)
        top = min(high + pad, 112.0) if m.unit == "%" else high + pad
        fig.update_yaxes(**_axis_format(key), range=[low - (pad if low < 0 else 0), top], row=1, col=i)
    fig.update_layout(height=380, margin=dict(t=60))
    return fig


# -- loyalty --------------------------------------------------------------------------------
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
        subplot_titles=[p[1] for p in panels],
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


# -- friction -------------------------------------------------------------------------------
def pareto(frame: pl.DataFrame, title: str = "Friction costs per year (Pareto)") -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    values = frame["yearly_cost_amount"].to_list()
    names = [_wrap(x) for x in frame["label"].to_list()]
    fig.add_trace(
        go.Bar(
            x=names,
            y=values,
            name="Yearly cost",
            marker_color=theme.VERMILLION,
            text=[_money(v) for v in values],
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
        title_text="Yearly cost",
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
                    [name, _money(v), c]
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
            title="Yearly cost", tickprefix=money.symbol(), tickformat=",.0f", range=[-0.05 * top, top]
        ),
        margin=dict(t=90),
    )
    return fig


# -- roadmap --------------------------------------------------------------------------------
PHASE_LABELS = {
    "diagnose": "1 · Diagnose",
    "deliver": "2 · Deliver quick wins",
    "operationalize": "3 · Operationalise",
}


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
    for phase in PHASE_LABELS:
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
        legend=dict(y=1.1, title_text="Status "),
        margin=dict(t=90, b=30, l=_left_margin(names)),
        xaxis=dict(title=None, tickformat="%d %b %Y"),
    )
    return fig


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
    fig.update_layout(
        title="KPI progress: share of the way from baseline to target, as measured now",
        height=120 + 36 * frame.height,
        xaxis=dict(ticksuffix="%", range=[-55, 165]),
        margin=dict(r=40, l=_left_margin(names)),
    )
    return fig


# -- data quality and explore ---------------------------------------------------------------
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
        title=title, height=100 + 30 * frame.height, xaxis=dict(title="Rows"), margin=dict(l=_left_margin(y))
    )
    return fig


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
