"""Voice of the customer: what customers say (sentiment, themes, emerging themes, drivers) and
closing the loop with the unhappy ones (the follow-up list, its statuses, the CRM export and the
closed-loop rate)."""

import polars as pl
import streamlit as st

from dashboard import auth, components, data, state, voc
from dashboard.labels import escape_markdown
from warehouse.filters import Filters
from warehouse.followups import FollowUpError

COMING = "coming with the comment models (sentiment and theme per comment, `fct_comments`)"
SAVED = "_voc_saved"


# -- what customers say: a function per section, each to be wired to the comment models' query
# (until then one line each, so the follow-up list is not pushed off a phone's first screens)
def sentiment_trend(f: Filters) -> None:
    st.caption(f":material/schedule: **Sentiment trend**, the mean sentiment of comments by month: {COMING}.")


def themes(f: Filters) -> None:
    st.caption(f":material/schedule: **Themes**, each theme's volume, sentiment and NPS/CSAT: {COMING}.")


def emerging_themes(f: Filters) -> None:
    st.caption(f":material/schedule: **Emerging themes**, growing faster than chance: {COMING}.")


def drivers(f: Filters) -> None:
    st.caption(f":material/schedule: **What drives the scores**, themes ranked by their effect: {COMING}.")


# -- closing the loop ------------------------------------------------------------------------
def save_status(response_id: str, status: str, note: str) -> None:
    try:
        data.set_follow_up(response_id, status, note)
    except (PermissionError, FollowUpError) as exc:
        st.error(escape_markdown(exc), icon=":material/block:")
        return
    st.session_state[SAVED] = f"Saved: answer {response_id} is {status}."
    st.rerun()  # the list and the rates show the new status


def closing_the_loop(f: Filters) -> None:
    st.header("Closing the loop")
    st.caption(
        "Detractors (NPS 0-6) and low CSAT answers (1-2 of 5) answered in the period, with their order, "
        "delivery and contacts. A status (open, contacted, resolved) is kept beside the warehouse and "
        "survives every rebuild; an answer nobody has touched is open."
    )
    if SAVED in st.session_state:
        st.success(escape_markdown(st.session_state.pop(SAVED)), icon=":material/check_circle:")
    rates = data.follow_up_rates(f)
    voc.closed_loop_figures(rates.frame)
    listed_result = data.follow_up_list(f)
    listed = listed_result.frame
    if listed.height == 0:
        components.no_data(f, "detractors or low CSAT answers")
        return
    st.subheader(f"Follow-up list ({listed.height:,} answers)")
    status = st.segmented_control(
        "Show", ["all", "open", "contacted", "resolved"], default="all", key="voc_show"
    )
    shown = listed if status in (None, "all") else listed.filter(pl.col("status") == status)
    voc.follow_up_table(shown)
    user = auth.viewer()
    if user.can("follow_up"):
        st.subheader("Set a follow-up status")
        voc.status_form(shown if shown.height else listed, save_status)
        chosen = st.session_state.get("voc_answer")
        if chosen in set(listed["response_id"].to_list()):
            with st.expander(f"Status history of answer {escape_markdown(chosen)}"):
                history = data.follow_up_history(chosen)
                if history.height:
                    st.dataframe(history, hide_index=True, key="voc_history")
                else:
                    st.caption("No status set yet: open, with nobody on it.")
        voc.crm_buttons(listed, f)
    else:
        st.caption("Your role reads the list; governance and managers set statuses and export it for a CRM.")
    with st.expander("Closed-loop rate by month and owner"):
        st.caption(
            "Closed-loop rate = resolved / answers on the list; time to first follow-up = from the answer "
            "to its first status that is not open, median over the answers followed up (its n). An "
            "answer counts under the owner of its current status."
        )
        voc.rates_table(rates.frame, f)
    components.show_sql(listed_result, "SQL behind the follow-up list (statuses are merged from the store)")


f = state.current()
st.title("Voice of the customer")
components.caption(state.describe(f))
st.header("What customers say")
sentiment_trend(f)
themes(f)
emerging_themes(f)
drivers(f)
closing_the_loop(f)
