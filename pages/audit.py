"""Audit (governance): who signed in, viewed, downloaded and froze what, from the append-only log."""

import streamlit as st

from dashboard import components, data, state

state.current()  # filters do not apply here; this makes sure app.py drew the frame
st.title("Audit")
st.caption(
    "Every sign-in, page view, download and board pack, appended to the audit log beside the warehouse "
    "(one JSON line per event, a file per month). Newest first."
)
log = data.audit_log()
if log.height == 0:
    st.info("No event recorded yet.")
    st.stop()
c1, c2 = st.columns(2)
event = c1.selectbox("Event", ["all", *sorted(set(log["event"].drop_nulls().to_list()))], key="audit_event")
people = c2.selectbox("Person", ["all", *sorted(set(log["user"].drop_nulls().to_list()))], key="audit_user")
shown = log
if event != "all":
    shown = shown.filter(shown["event"] == event)
if people != "all":
    shown = shown.filter(shown["user"] == people)
st.caption(f"{shown.height:,} of {log.height:,} events.")
components.table(
    shown, "audit_log", None, key="audit", notes=[("event", event), ("person", people)], rename=False
)
