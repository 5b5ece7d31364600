"""Executive overview: the scorecard readable in five seconds."""

import polars as pl
import streamlit as st

from dashboard import charts, components, data, labels, state
from dashboard.labels import HEADLINE_METRICS as HEADLINE
from dashboard.labels import HEADLINE_TRENDS as TRENDED
from warehouse.metrics import METRICS

f = state.current()
st.title("Executive overview")
components.caption(state.describe(f))
if f.channel:
    st.caption(labels.CHANNEL_FILTER["overview"])

scorecard = data.metrics(f)
if scorecard.frame["value"].is_null().all():
    components.no_data(f)
    st.stop()

# How we are doing first (on a phone this is the first screen): the statuses, then the alerts.
components.status_summary(scorecard.frame)
components.alerts(scorecard.frame)
components.emerging_themes(data.voice_emerging_themes(f).frame)
components.coverage_note(data.coverage().frame)
components.tiles(scorecard.frame, HEADLINE, f.compare)
with st.expander("All metrics"):
    others = [k for k in scorecard.frame["metric"].to_list() if k not in HEADLINE]
    components.tiles(scorecard.frame, others, f.compare)
    components.table(
        scorecard.frame.select(
            "label",
            "value",
            "n",
            "margin",
            "target",
            "alert",
            "status",
            "reason",
            "previous",
            "change",
            "significant",
            "definition",
        ),
        "scorecard",
        f,
        key="scorecard",
    )


st.subheader("Trends")
trend_filters = f.trend_window()
series = data.metric_series(trend_filters, TRENDED)
if series.frame.height:
    st.caption(f"By month, {trend_filters.date_from:%b %Y} – {f.date_to:%b %Y}; dashed line = target.")
    components.trend_grid(series.frame, TRENDED, components.targets_of(scorecard.frame), key="trends")
    untrended = [METRICS[k].label for k in HEADLINE if k not in TRENDED]
    if untrended:
        st.caption(
            f"{', '.join(untrended)}: no monthly trend, as each value is measured over its own 12 months "
            "of customers; the tile above shows the period's value."
        )
else:
    components.no_data(trend_filters, "monthly values")

left, right = st.columns(2)
with left:
    friction = data.friction_costs(f).frame.filter(pl.col("yearly_cost_amount") > 0)
    if friction.height:
        components.chart(
            charts.friction_top(friction.head(3), "The three largest friction costs (yearly run-rate)"),
            key="friction_top",
        )
        st.page_link(
            "pages/friction_costs.py", label="How each cost is computed", icon=":material/arrow_forward:"
        )
    elif data.cost_assumptions().empty:
        components.no_cost_assumptions()
    else:
        components.no_data(f, "friction events")
with right:
    health = data.roadmap_health()
    if health.frame.height:
        components.chart(charts.roadmap_health(health.frame), key="roadmap_health")
        st.page_link("pages/roadmap.py", label="Roadmap and KPI progress", icon=":material/arrow_forward:")
    else:
        st.info("No roadmap loaded yet: ingest a roadmap file with `cx ingest`.")
