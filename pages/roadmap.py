"""Roadmap: the 90-180 day plan, where it stands today, and whether its KPIs moved."""

import polars as pl
import streamlit as st

from dashboard import charts, components, data, state, theme
from dashboard.labels import COLUMNS

f = state.current()  # only the viewer's scope applies here: the KPIs are the business's (or their area's)
st.title("Roadmap")
plan = data.roadmap(f)
if plan.empty:
    st.info("No roadmap loaded yet: ingest the roadmap and its check-ins with `cx ingest`.")
    st.stop()

frame = plan.frame
today = data.as_of()
day = frame["today_day"][0]
st.caption(
    f"Programme started {frame['programme_start_date'][0]:%d %b %Y}; today is day {day} "
    f"(the data's as-of date, {today:%d %b %Y}). The global filters do not apply to the plan; KPIs are "
    f"measured over {plan.params.get('measured_over', 'the last 30 days')} "
    + ("for the whole business." if not f.scope.restricted else f"for your scope ({f.scope.describe()}).")
)

health = data.roadmap_health()
counts = st.container(horizontal=True, gap="medium")  # wraps on a phone instead of stacking
for r in health.frame.to_dicts():
    counts.metric(
        theme.INITIATIVE_LABELS.get(r["status"], r["status"]),
        r["count_initiatives"],
        help=f"average completion {r['avg_percent_complete']:.0f}%",
    )

components.chart(charts.roadmap_timeline(frame, today), key="timeline")
components.table(
    frame.select(
        "initiative_id",
        "initiative_name",
        "status",
        "percent_complete",
        "phase",
        "start_date",
        "end_date",
        "owner",
        "last_checkin_date",
        "last_note",
        "area",
    ).with_columns(pl.col("status").replace_strict(theme.INITIATIVE_LABELS, default=pl.col("status"))),
    "roadmap_initiatives",
    None,
    key="initiatives",
)

st.subheader("Each initiative's KPI: baseline, measured now, target")
st.caption("KPI progress: the share of the way from baseline to target the data has moved, as measured now.")
components.chart(charts.kpi_progress(frame), key="kpi_progress")
kpis = frame.select(
    "initiative_id",
    "initiative_name",
    "kpi_label",
    *[
        pl.struct("kpi_metric", c)
        .map_elements(lambda r, c=c: components.fmt_value(r["kpi_metric"], r[c]), return_dtype=pl.Utf8)
        .alias(c)
        for c in ("kpi_baseline", "kpi_measured", "kpi_target")
    ],
    "kpi_progress_pct",
    pl.col("status").replace_strict(theme.INITIATIVE_LABELS, default=pl.col("status")),
)
components.table(kpis, "roadmap_kpis", None, key="kpis")
st.caption(
    f"{COLUMNS['kpi_progress_pct']}: 0% = still at the baseline, 100% = target reached, below 0% = "
    "moved away from the target. Measured from the warehouse, not typed in."
)
