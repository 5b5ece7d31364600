"""Journey funnel: awareness -> consideration -> purchase -> fulfillment -> support."""

import polars as pl
import streamlit as st

from dashboard import charts, components, data, labels, state

f = state.current()
st.title("Journey funnel")
components.caption(state.describe(f))
if f.channel:
    st.caption(labels.CHANNEL_FILTER["journey_funnel"])

dropoffs = data.funnel_dropoffs(f)
if dropoffs.empty or dropoffs.frame["count_events"].cast(pl.Float64).sum() == 0:
    components.no_data(f, "journey steps")
    st.stop()

coverage = data.coverage().frame
absent = {r["need"] for r in coverage.to_dicts() if not r["count_rows"]}
gaps = []
if "sessions" in absent:
    gaps.append("no web or app sessions: awareness and consideration are not measured")
if "contacts" in absent:
    gaps.append("no support contacts: the support stage is not measured")
if gaps:
    st.info("This warehouse has " + "; ".join(gaps) + ".", icon=":material/visibility_off:")

costliest = dropoffs.frame.filter(pl.col("is_costliest"))
if costliest.height:
    row = costliest.row(0, named=True)
    st.error(
        f"**The drop-off that costs most: {row['friction_label']}** — into “{row['step']}” "
        f"({row['stage']} stage): {components.fmt_money(row['yearly_cost_amount'])} a year at current rates.",
        icon=":material/trending_down:",
    )

components.chart(charts.funnel(dropoffs.frame), key="funnel")
st.caption(
    "Awareness and consideration count web and app sessions; purchase and later steps count orders of "
    "every channel, store orders included, so conversion into orders can pass 100% when stores are in the "
    "filter (choose Web or App for the digital funnel). Support counts tickets about an order."
)
components.table(
    dropoffs.frame.select(
        "stage",
        "step",
        "count_events",
        "step_conversion_pct",
        "count_dropped",
        "friction_label",
        "yearly_cost_amount",
    ).rename({"friction_label": "Costed friction point"}),
    "journey_funnel",
    f,
    key="funnel",
)

st.subheader("By channel")
by_channel = data.funnel(f, by_channel=True)
if by_channel.frame.filter(pl.col("step_conversion_pct").is_not_null()).height:
    components.chart(charts.conversion_heatmap(by_channel.frame), key="funnel_channels")
    components.table(
        by_channel.frame.select("channel", "stage", "step", "count_events", "step_conversion_pct"),
        "journey_funnel_by_channel",
        f,
        key="funnel_channels",
    )
else:
    components.no_data(f, "step conversions by channel")

st.subheader("CX score at each touchpoint")
scores = data.stage_scores(f)
if scores.frame.height and "touchpoint" in scores.frame.columns:
    components.chart(charts.stage_scores(scores.frame), key="stage_scores")
    st.caption(
        "Grey hatched bars have fewer answers than the metric's minimum (n shown): not reliable. "
        "Dashed line = target."
    )
    components.table(
        scores.frame.select("touchpoint", "nps", "nps__n", "csat", "csat__n", "ces", "ces__n").rename(
            {"nps__n": "NPS answers", "csat__n": "CSAT answers", "ces__n": "CES answers"}
        ),
        "stage_scores",
        f,
        key="stage_scores",
    )
else:
    components.no_data(f, "survey answers")
components.show_sql(dropoffs)
