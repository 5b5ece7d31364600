"""Data quality: what was loaded, what was quarantined and why, and how fresh each source is."""

import polars as pl
import streamlit as st

from config.retention import RetentionError
from dashboard import charts, components, data, state
from dashboard.labels import escape_markdown

state.current()  # filters do not apply here; this makes sure app.py drew the frame
st.title("Data quality")
st.caption(
    "What each ingest run read, loaded and quarantined. Rows breaking a rule are kept aside with the "
    "reason, never loaded and never dropped silently: rows read = rows loaded + rows quarantined."
)

st.subheader("Freshness per source")
fresh = data.freshness()
components.table(
    fresh.frame.select("source_name", "latest_date", pl.col("count_rows").alias("count_records")),
    "freshness",
    None,
    key="freshness",
)
st.caption("Records: orders (not order lines), support contacts, survey answers and sessions.")

st.subheader("Ingest runs")
runs = data.ingest_runs()
if runs.empty:
    st.info("No ingest run recorded yet: load files with `cx ingest PATH...`.")
else:
    components.table(runs.frame, "ingest_runs", None, key="runs")

st.subheader("Files per source")
loads = data.file_loads()
if loads.empty:
    st.info("No file loads recorded.")
else:
    components.chart(charts.rows_by_source(loads.frame), key="rows_by_source")
    components.table(
        loads.frame.select(
            "source_name",
            "file_name",
            "profile_name",
            "count_rows_read",
            "count_rows_loaded",
            "count_rows_quarantined",
            "status",
            "message",
            "loaded_at",
        ),
        "file_loads",
        None,
        key="loads",
    )

st.subheader("Retention")
try:
    kept, origin = data.retention(data.data_kept().frame)
except RetentionError as exc:
    st.error(escape_markdown(f"The retention policy cannot be used: {exc}"), icon=":material/error:")
else:
    st.caption(
        f"How long each kind of data is kept (policy: {origin}) and the oldest kept now. "
        "`cx retention --apply` and every `cx inbox` run delete what has passed its period; "
        "`cx forget` erases a person on request (README, Erasure and retention)."
    )
    components.table(kept, "retention", None, key="retention")

st.subheader("Rules that quarantined rows")
rules = data.quality_by_rule()
if rules.empty:
    st.success("No row was quarantined.", icon=":material/check_circle:")
    st.stop()
components.chart(charts.rules(rules.frame), key="rules")
st.caption(
    "Rule not_a_fact marks expected exclusions a profile declares (a cancellation invoice, a postage line, "
    "an internal ticket, a survey preview), and rule erased the rows of people erased on request (cx "
    "forget) found in a later export: kept aside by design, not errors in the data."
)
components.table(rules.frame, "quarantine_by_rule", None, key="rules")

st.subheader("The quarantined rows")
c1, c2 = st.columns(2)
source = c1.selectbox("Source", ["all", *sorted(set(rules.frame["source_name"].to_list()))], key="q_source")
rule_options = rules.frame if source == "all" else rules.frame.filter(rules.frame["source_name"] == source)
rule = c2.selectbox("Rule", ["all", *sorted(set(rule_options["rule_name"].to_list()))], key="q_rule")
rows = data.quarantined_rows(None if source == "all" else source, None if rule == "all" else rule)
st.caption(f"First {len(rows.frame):,} rows (at most 1,000).")
components.table(
    rows.frame, "quarantined_rows", None, key="quarantined", notes=[("source", source), ("rule", rule)]
)
