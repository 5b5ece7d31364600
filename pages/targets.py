"""Targets (governance): the targets and alert thresholds every status is judged by, their history,
and a new version (who, when, why, effective from). Nothing here is the demo's unless the demo set it."""

from datetime import date

import polars as pl
import streamlit as st

from dashboard import auth, components, data, state
from dashboard.labels import escape_markdown
from warehouse.metrics import METRICS
from warehouse.targets import Target, TargetsError

state.current()  # filters do not apply here; this makes sure app.py drew the frame
st.title("Targets and alert thresholds")
st.caption(
    "Every tile's status is judged against the version in effect on the period's last day. A metric "
    "without a target shows “no target set” and never raises an alert. Versions come from the targets "
    "file (CX_TARGETS) and from this page; none is ever changed or removed."
)

versions = data.current_targets().versions
today = data.as_of() or date.today()
in_effect = data.current_targets().on(today)
st.subheader("In effect now")
rows = [
    {
        "metric": key,
        "Metric": m.label,
        "Better when": m.direction,
        "Target": in_effect[key].target if key in in_effect else None,
        "Alert threshold": in_effect[key].alert if key in in_effect else None,
    }
    for key, m in METRICS.items()
]
current = pl.DataFrame(rows, schema_overrides={"Target": pl.Float64, "Alert threshold": pl.Float64})
edited = st.data_editor(
    current,
    key="targets_editor",
    hide_index=True,
    disabled=["metric", "Metric", "Better when"],
    column_config={"metric": None},
)

st.subheader("Save as a new version")
c1, c2 = st.columns([1, 3])
effective = c1.date_input("Effective from", today, key="targets_from", format="YYYY-MM-DD")
reason = c2.text_input("Why (kept with the version)", key="targets_reason", max_chars=300)
if st.button("Save the new version", key="targets_save", type="primary", icon=":material/save:"):
    chosen = {
        r["metric"]: Target(r["Target"], r["Alert threshold"])
        for r in pl.DataFrame(edited).to_dicts()
        if r["Target"] is not None or r["Alert threshold"] is not None
    }
    try:
        version = data.save_targets(chosen, effective, reason)
    except TargetsError as exc:
        st.error(escape_markdown(exc), icon=":material/error:")
    else:
        auth.record(None, "targets", detail=f"effective {version.effective_from}: {version.reason}")
        st.success(
            f"Saved: in effect from {version.effective_from:%d %b %Y}.", icon=":material/check_circle:"
        )

st.subheader("History")
history = pl.DataFrame(
    [
        {
            "effective_from": v.effective_from,
            "set_by": v.set_by,
            "set_at": v.set_at,
            "reason": v.reason,
            "source": v.source,
            "metrics": len(v.targets),
        }
        for v in reversed(versions)
    ],
    schema={
        "effective_from": pl.Date,
        "set_by": pl.Utf8,
        "set_at": pl.Utf8,
        "reason": pl.Utf8,
        "source": pl.Utf8,
        "metrics": pl.Int64,
    },
)
if history.height:
    components.table(history, "targets_history", None, key="targets_history", rename=False)
else:
    st.info("No targets set yet: every status reads “no target set” until a version is saved.")
