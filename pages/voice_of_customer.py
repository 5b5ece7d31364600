"""Voice of the customer: what customers say (sentiment, themes, emerging themes, drivers) and
closing the loop with the unhappy ones (the follow-up list, its statuses, the CRM export and the
closed-loop rate)."""

import polars as pl
import streamlit as st

from dashboard import auth, charts, components, data, state, voc
from dashboard.labels import escape_markdown
from warehouse.api import VoicePage
from warehouse.filters import Filters
from warehouse.followups import FollowUpError

SAVED = "_voc_saved"
DRIVER_METRICS = {"nps": "NPS", "csat": "CSAT"}


# -- what customers say ----------------------------------------------------------------------
def sentiment_trend(f: Filters, view: VoicePage) -> None:
    accuracy = view.accuracy.frame
    if accuracy.height == 0:
        components.no_data(f, "survey comments")
        return
    voc.accuracy_caption(accuracy)
    trend = view.trend.frame  # the year to the period's end, like the overview's trends
    if trend.filter(pl.col("count_scored") > 0).height:
        components.chart(charts.sentiment_trend(trend.filter(pl.col("count_scored") > 0)), key="voc_trend")


def themes(f: Filters, view: VoicePage) -> None:
    frame = view.themes.frame
    if frame.height == 0:
        return
    st.subheader("Themes")
    components.chart(charts.theme_shares(frame), key="voc_themes")
    with st.expander(
        "Each theme's NPS and CSAT (of those who mention it), by channel, touchpoint, tier or region"
    ):
        by = st.selectbox(
            "Break down by",
            list(voc.THEME_BREAKDOWNS),
            format_func=voc.THEME_BREAKDOWNS.get,
            key="voc_themes_by",
        )
        shown = frame if by == "all" else data.voice_themes(f, by).frame
        components.table(
            voc.themes_table(shown, None if by == "all" else by), "voice_themes", f, key="voc_themes_table"
        )


def emerging_themes(view: VoicePage) -> None:
    voc.emerging_notice(view.emerging.frame)


def drivers(f: Filters, view: VoicePage) -> None:
    st.subheader("What moves the scores")
    metric = (
        st.segmented_control(
            "Score",
            list(DRIVER_METRICS),
            default="nps",
            format_func=DRIVER_METRICS.get,
            key="voc_driver_metric",
        )
        or "nps"
    )
    frame = view.drivers.frame if metric == "nps" else data.voice_drivers(f, metric).frame
    measured = frame.filter(pl.col("status") == "measured")
    if measured.height:
        components.chart(charts.driver_effects(measured, DRIVER_METRICS[metric]), key="voc_drivers")
    voc.drivers_notes(frame, DRIVER_METRICS[metric])
    if measured.filter(pl.col("friction_point").is_not_null()).height:
        st.page_link(
            "pages/friction_costs.py",
            label="What these drivers cost: friction costs",
            icon=":material/arrow_forward:",
        )


# -- closing the loop ------------------------------------------------------------------------
def save_status(response_id: str, status: str, note: str) -> None:
    try:
        data.set_follow_up(response_id, status, note)
    except (PermissionError, FollowUpError) as exc:
        st.error(escape_markdown(exc), icon=":material/block:")
        return
    st.session_state[SAVED] = f"Saved: answer {response_id} is {status}."
    st.rerun()  # the list and the rates show the new status


def closing_the_loop(f: Filters, view: VoicePage) -> None:
    st.header("Closing the loop")
    st.caption(
        "Detractors (NPS 0-6) and low CSAT answers (1-2 of 5) answered in the period, with their order, "
        "delivery and contacts. A status (open, contacted, resolved) is kept beside the warehouse and "
        "survives every rebuild; an answer nobody has touched is open."
    )
    if SAVED in st.session_state:
        st.success(escape_markdown(st.session_state.pop(SAVED)), icon=":material/check_circle:")
    rates = view.rates
    voc.closed_loop_figures(rates.frame)
    # the list's ids, days and statuses: what is counted and filtered
    index = view.index.frame
    if index.height == 0:
        components.no_data(f, "detractors or low CSAT answers")
        return
    st.subheader(f"Follow-up list ({index.height:,} answers)")
    status = st.segmented_control(
        "Show", ["all", "open", "contacted", "resolved"], default="all", key="voc_show"
    )
    status = None if status in (None, "all") else status
    count_shown = index.height if status is None else index.filter(pl.col("status") == status).height
    # the newest answers of every status: a short list whole (its CRM file is made with the
    # page), of a long one the answers shown (its CRM files read it all when clicked)
    newest = view.listed if view.listed is not None else view.shown
    assert newest is not None  # the list is not empty
    if view.listed is not None:
        whole = view.listed
        listed = whole.frame
        shown = listed if status is None else listed.filter(pl.col("status") == status)
    else:
        whole = newest if status is None else data.follow_up_rows(f, status, voc.SHOWN_MAX)
        listed, shown = None, whole.frame
    voc.follow_up_table(shown, count_shown)
    user = auth.viewer()
    if user.can("follow_up"):
        st.subheader("Set a follow-up status")
        # a status nobody has: the picker offers the newest answers of every status
        voc.status_form(shown if shown.height else newest.frame, save_status)
        chosen = st.session_state.get("voc_answer")
        if chosen is not None and (index["response_id"] == chosen).any():
            with st.expander(f"Status history of answer {escape_markdown(chosen)}"):
                history = data.follow_up_history(chosen)
                if history.height:
                    st.dataframe(history, hide_index=True, key="voc_history")
                else:
                    st.caption("No status set yet: open, with nobody on it.")
        voc.crm_buttons(listed if listed is not None else data.follow_up_list_later(f), index.height, f)
    else:
        st.caption("Your role reads the list; governance and managers set statuses and export it for a CRM.")
    with st.expander("Closed-loop rate by month and owner"):
        st.caption(
            "Closed-loop rate = resolved / answers on the list; time to first follow-up = from the answer "
            "to its first status that is not open, median over the answers followed up (its n). An "
            "answer counts under the owner of its current status."
        )
        voc.rates_table(rates.frame, f)
    components.show_sql(whole, "SQL behind the follow-up list (statuses are merged from the store)")


f = state.current()
st.title("Voice of the customer")
components.caption(state.describe(f))
st.header("What customers say")
# the page's queries at once, two at a time; a breakdown, the CSAT drivers or a status filter
# runs its own query when chosen
view = data.voice_page(f, components.EAGER_CSV_ROWS, voc.SHOWN_MAX)
sentiment_trend(f, view)
themes(f, view)
emerging_themes(view)
drivers(f, view)
closing_the_loop(f, view)
