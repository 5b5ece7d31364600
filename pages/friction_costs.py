"""Friction costs: what each friction point costs a year, how, and what to fix first."""

from datetime import date

import polars as pl
import streamlit as st

from dashboard import auth, charts, components, data, exports, labels, state
from dashboard.labels import QUADRANTS, escape_markdown

f = state.current()
st.title("Friction costs")
components.caption(state.describe(f))
if f.channel:
    st.caption(labels.CHANNEL_FILTER["friction_costs"])

saved = data.cost_assumptions().frame
with st.expander("Cost assumptions — edit to see the effect (what-if, nothing is saved)", expanded=False):
    edited = st.data_editor(
        saved.select("setting", "setting_value", "unit", "description", "version"),
        key="assumptions_editor",
        hide_index=True,
        disabled=["setting", "unit", "description", "version"],
        column_config={
            "setting_value": st.column_config.NumberColumn("Value", min_value=0.0, step=0.01),
            "setting": "Setting",
            "unit": "Unit",
            "description": "Description",
            "version": "Version",
        },
    )
    what_if = exports.changed_assumptions(saved, edited)
    if what_if:
        st.info(  # setting names are the contract's, values numbers: no data-derived text
            "What-if: " + ", ".join(f"{k} = {v:g}" for k, v in what_if.items()) + ". The figures below use "
            "these values; the saved assumptions are unchanged.",
            icon=":material/science:",
        )
    if what_if and auth.viewer().can("assumptions"):  # a new version is the governance team's to make
        st.download_button(
            "Download as a new version (cost_assumptions.csv)",
            exports.assumptions_csv(saved, edited, date.today()),
            "cost_assumptions.csv",
            exports.CSV_MIME,
            on_click="ignore",
            key="assumptions_download",
            icon=":material/download:",
        )
    st.caption(
        "The table shows the latest version. Each version applies from its valid-from date (the first "
        "version also to the days before it), so a period across a change is valued day by day; an "
        "edited value here applies to the whole period. To adopt edited values for everyone, download "
        "them as the next version of cost_assumptions.csv and load it with `cx ingest cost_assumptions.csv`."
    )

if saved.height == 0 and not what_if:
    components.no_cost_assumptions()
    events = data.friction_costs(f).frame.filter(pl.col("count_events") > 0)
    if events.height:
        components.table(
            events.select("label", "measured_as", "count_events"), "friction_events", f, key="events"
        )
    st.stop()

priorities = data.friction_priorities(f, what_if or None)
frame = priorities.frame.filter(pl.col("yearly_cost_amount") > 0)
unvalued = priorities.frame.filter(pl.col("quadrant") == "not_valued")
if frame.height == 0 and unvalued.height == 0:
    components.no_data(f, "friction events")
    st.stop()

if frame.height:
    total = frame["total_yearly_cost_amount"][0]
    st.metric(
        "Friction cost per year (run-rate), all valued points" + (" (what-if)" if what_if else ""),
        components.fmt_money(total),
        help=f"A run-rate, not a forecast: each point's cost in the period x 365 / {f.days} days.",
    )
    components.chart(charts.pareto(frame), key="pareto")
st.caption(
    f"Yearly cost = the period's cost x 365 / its {f.days} days (a run-rate). Late deliveries count late "
    "orders, with the “where is my order” contacts their cost includes shown apart."
)
components.table(
    pl.concat([frame, unvalued], how="diagonal_relaxed")
    .with_row_index("#", offset=1)
    .select(
        "#",
        "label",
        "count_events",
        "events_label",
        "count_wismo_contacts",
        "period_cost_amount",
        "yearly_cost_amount",
        "share_pct",
        "cumulative_share_pct",
        "not_valued",
        "measured_as",
        "cost_formula",
    ),
    "friction_costs",
    f,
    key="friction",
    notes=[(f"assumption {k}", str(v)) for k, v in what_if.items()],
)
if unvalued.height:
    st.warning(
        "Not valued, so not in the total or the charts: "
        + "; ".join(f"**{r['label']}** ({escape_markdown(r['not_valued'])})" for r in unvalued.to_dicts())
        + ". A cost that cannot be valued is left out, never counted as 0.",
        icon=":material/money_off:",
    )
if frame.height == 0:
    st.stop()

st.subheader("What to fix first")
left, right = st.columns([3, 2])
with left:
    components.chart(charts.impact_matrix(frame), key="matrix")
with right:
    quick = frame.with_row_index("#", offset=1).filter(pl.col("quadrant") == "quick_win")
    if quick.height:
        st.markdown(
            "**Quick wins** — yearly cost at or above the median friction point, and a roadmap fix of "
            "complexity 1-2:"
        )
        for r in quick.to_dicts():
            st.markdown(
                f"{r['#']}. **{r['label']}** — {components.fmt_money(r['yearly_cost_amount'])} a year. "
                f"Fix: {escape_markdown(r['initiatives'])}"
            )
    else:
        st.info("No quick wins: no high-cost friction point has a simple fix on the roadmap.")
components.table(
    frame.with_row_index("#", offset=1)
    .select("#", "label", "yearly_cost_amount", "complexity", "quadrant", "initiatives")
    .with_columns(pl.col("quadrant").replace_strict(QUADRANTS, default=pl.col("quadrant"))),
    "friction_priorities",
    f,
    key="priorities",
)
components.show_sql(priorities)
