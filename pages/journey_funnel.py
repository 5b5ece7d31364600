"""Journey funnel: the digital journey, fulfilment and support, each step over its right base."""

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
    gaps.append("no web or app sessions: the digital journey is not measured")
if "contacts" in absent:
    gaps.append("no support contacts: the support stage is not measured")
if gaps:
    st.info("This warehouse has " + "; ".join(gaps) + ".", icon=":material/visibility_off:")

costliest = dropoffs.frame.filter(pl.col("is_costliest"))
if costliest.height:
    row = costliest.row(0, named=True)
    st.error(
        f"**The drop-off that costs most: {row['friction_label']}** — into “{row['step']}” "
        f"({row['stage']} stage): {components.fmt_money(row['yearly_cost_amount'])} a year "
        "(the period's run-rate).",
        icon=":material/trending_down:",
    )

components.chart(charts.funnel(dropoffs.frame), key="funnel")
st.caption(
    "Each line is read over its own base, never over a step it does not follow. **Digital journey**: "
    "web and app sessions, each step as a share of the one before; “orders from sessions” are sessions "
    "that ended in a purchase (an online order can follow several sessions, and store orders have none). "
    "**Fulfilment**: orders with a delivery promise or a delivery (not store sales) → delivered → on "
    "time. **Support**: tickets about an order, per 100 orders of the period, and the share resolved "
    "first time of those whose 7-day repeat window has ended. **Orders by sales channel**: each "
    "channel's orders as a share of all orders."
)
components.table(
    dropoffs.frame.select(
        "journey",
        "stage",
        "step",
        "count_events",
        "rate",
        "rate_unit",
        "base_count",
        "count_dropped",
        "friction_label",
        "yearly_cost_amount",
    ).rename({"friction_label": "Costed friction point"}),
    "journey_funnel",
    f,
    key="funnel",
)

st.subheader("By sales channel")
by_channel = data.funnel(f, by_channel=True)
if by_channel.frame.filter(pl.col("rate").is_not_null()).height:
    components.chart(charts.conversion_heatmap(by_channel.frame), key="funnel_channels")
    components.table(
        by_channel.frame.select(
            "channel", "journey", "step", "count_events", "rate", "rate_unit", "base_count"
        ),
        "journey_funnel_by_channel",
        f,
        key="funnel_channels",
    )
else:
    components.no_data(f, "step rates by channel")

st.subheader("CX score at each touchpoint")
scores = data.stage_scores(f)
if scores.frame.height and "touchpoint" in scores.frame.columns:
    components.chart(charts.stage_scores(scores.frame, data.targets_in_effect(f)), key="stage_scores")
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
