"""Explore & export: any mart, grouped and summed within the filters, with the SQL behind it."""

import streamlit as st

from dashboard import charts, components, data, labels, state
from dashboard.labels import escape_markdown
from warehouse.api import RowLimitExceeded
from warehouse.metrics import METRICS

f = state.current()
st.title("Explore & export")
components.caption(state.describe(f) + " — the global filters apply; downloads are exactly the table shown.")
if f.channel:
    st.caption(labels.CHANNEL_FILTER["explore"])

spec = data.explorable()
marts = list(spec)
c1, c2, c3 = st.columns([1, 1, 2])
mart = c1.selectbox("Mart", marts, key="mart", bind="query-params")
groups = spec[mart]["groups"]
group_by = c2.multiselect(
    "Group by", groups, default=[g for g in ("channel",) if g in groups], key="group_by", bind="query-params"
)
measure_options = spec[mart]["measures"] + spec[mart]["metrics"]
default = [m for m in measure_options if m.startswith("count_")][:1] + spec[mart]["metrics"][:1]
measures = c3.multiselect(
    "Measures",
    measure_options,
    default=default,
    key="measures",
    bind="query-params",
    format_func=lambda m: f"{METRICS[m].label} (metric)" if m in METRICS else m,
    help="Measures are summed; metrics are computed from the mart's sums (metrics.toml).",
)

try:
    result = data.explore(mart, group_by, measures, f)
except RowLimitExceeded as exc:
    st.warning(f"Too many rows to show: {escape_markdown(exc)}.")
    st.stop()
except ValueError as exc:  # a bad CX_EXPLORE_ROW_LIMIT, or a column the mart does not have
    st.error(escape_markdown(exc))
    st.stop()

if result.empty:
    components.no_data(f, f"rows in {mart}")
else:
    if group_by and measures and result.frame.height > 1:
        components.chart(charts.explore_bar(result.frame, group_by[0], measures[0]), key="explore_chart")
    st.caption(f"{result.frame.height:,} rows")
    components.table(
        result.frame,
        f"explore_{mart}",
        f,
        key="explore",
        rename=False,
        notes=[("mart", mart), ("group_by", ", ".join(group_by)), ("measures", ", ".join(measures))],
    )
components.show_sql(result, "The SQL that produced this table")
