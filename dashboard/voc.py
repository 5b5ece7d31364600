"""The Voice of the customer page's pieces for closing the loop: the follow-up list as shown, the
closed-loop figures, the status form and the CRM export (CSV and XLSX, formula-safe and audited).
The page (pages/voice_of_customer.py) asks dashboard.data for the frames and lays these out."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard import components, labels
from dashboard.labels import escape_markdown
from warehouse.filters import Filters
from warehouse.followups import NOTE_MAX, STATUSES
from warehouse.queries.follow_up import ALL_OWNERS, crm_export

# the list as shown: what someone calling the customer back reads first (on a phone the first three
# columns fit the screen), ids last
SHOWN = {
    "answered_date": "Answered",
    "score_text": "Score",
    "comment": "Comment",
    "status": "Status",
    "owner": "Owner",
    "theme": "Theme",
    "sentiment": "Sentiment (-1 to 1)",
    "order_value_amount": "Order value ¤",  # in the orders' currency (labels.money)
    "days_late": "Days late",
    "count_contacts": "Contacts",
    "has_repeat_contact": "Repeat contact",
    "contact_reasons": "Contact reasons",
    "note": "Note",
    "status_at": "Status set (UTC)",
    "region": "Region",
    "store_id": "Store",
    "order_id": "Order",
    "response_id": "Answer id",
}
CRM_NOTES = [
    (
        "crm_customer_id",
        "the customer id the retailer knows: the source's own id, or the loyalty CRM's id for an answer "
        "known by its e-mail hash; customer_id_kind says which, and email_hash where only the salted "
        "hash is known (no e-mail address is ever exported)",
    ),
    ("list", "NPS detractors (0-6) and low CSAT answers (1-2 of 5) answered in the period"),
]


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "–"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def closed_loop_figures(rates: pl.DataFrame) -> None:
    """The whole period's closed-loop rate, median time to first follow-up and their n."""
    whole = rates.filter(pl.col("month").is_null() & (pl.col("owner") == ALL_OWNERS)).row(0, named=True)
    if whole["status"] != "measured":
        st.info(f"No closed-loop rate: {escape_markdown(whole['reason'])}.", icon=":material/info:")
        return
    rate = whole["closed_loop_rate"]
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Closed-loop rate",
        f"{rate:.1f}%",
        help="Answers on the list whose follow-up status is resolved / answers on the list.",
    )
    c1.caption(f"{whole['count_resolved']:,} resolved of {whole['count_answers']:,} answers")
    c2.metric(
        "Median time to first follow-up",
        hours_text(whole["median_hours_to_first_follow_up"]),
        help="From the answer to the first status that is not open (contacted or resolved).",
    )
    c2.caption(
        f"n = {whole['count_followed_up']:,} followed up"
        if whole["count_followed_up"]
        else "not measured: nothing followed up yet"
    )
    c3.metric("Still open", f"{whole['count_open']:,}")
    c3.caption("never contacted nor resolved")


def rates_table(rates: pl.DataFrame, f: Filters) -> None:
    if rates.filter(pl.col("status") == "measured").height == 0:
        return
    shown = rates.select(
        pl.col("month").dt.strftime("%Y-%m").fill_null("whole period").alias("Month"),
        pl.col("owner").alias("Owner"),
        pl.col("count_answers").alias("Answers"),
        pl.col("count_followed_up").alias("Followed up"),
        pl.col("count_resolved").alias("Resolved"),
        pl.col("closed_loop_rate").round(1).alias("Closed-loop rate %"),
        pl.col("median_hours_to_first_follow_up").round(1).alias("Median hours to first follow-up"),
    )
    components.table(shown, "follow_up_rates", f, key="voc_rates", rename=False)


def follow_up_table(listed: pl.DataFrame, total: int) -> None:
    """The list's newest SHOWN_MAX answers (`listed`, of `total` with the status shown) as plain
    text cells (st.dataframe renders no Markdown), no download: the list leaves the dashboard only
    through the audited CRM export, for the people who follow up."""
    if total > SHOWN_MAX:
        st.caption(
            f"The newest {SHOWN_MAX:,} of these {total:,} answers; narrow the period, a store "
            "or the status shown to see older ones (the CRM export holds them all)."
        )
    listed = components.plain(listed.head(SHOWN_MAX)).with_columns(
        (pl.col("survey").str.to_uppercase() + " " + pl.col("score").cast(pl.Utf8)).alias("score_text"),
        pl.col("owner").fill_null("–"),
        pl.col("comment").fill_null("–"),
        pl.col("theme").fill_null("–"),  # an answer without a comment has no theme
    )
    shown = listed.select(
        [pl.col(c).alias(labels.money(label)) for c, label in SHOWN.items() if c in listed.columns]
    )
    height = 38 + 35 * max(1, min(shown.height, 12))
    st.dataframe(
        shown,
        hide_index=True,
        height=height,
        key="voc_list_table",
        column_config={
            "Answered": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Status set (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            labels.money("Order value ¤"): st.column_config.NumberColumn(format="%.2f"),
            "Sentiment (-1 to 1)": st.column_config.NumberColumn(format="%.2f"),
            "Comment": st.column_config.TextColumn(width="large"),
            "Owner": st.column_config.TextColumn(width="medium"),
        },
    )


# The list's table and the status form's picker show its newest answers: every row and every
# option's label is sent to the browser on each view, and the list of 90 days at 50M order lines
# holds ~70,000 answers (~6 MB of labels alone). Older answers are reached by narrowing the period,
# a store or the status shown; the closed-loop figures and the CRM export hold the whole list.
SHOWN_MAX = 1_000


def answer_labels(listed: pl.DataFrame) -> dict[str, str]:
    """response_id -> the picker's label: day, survey and score, status, the comment's start, id.
    Built as one Polars expression (row by row in Python it was most of the page's server time)."""
    comment = pl.col("comment").fill_null("").str.strip_chars().str.replace_all("\n", " ", literal=True)
    short = (
        pl.when(comment.str.len_chars() > 40).then(comment.str.slice(0, 40) + pl.lit("…")).otherwise(comment)
    )
    label = pl.concat_str(
        [
            pl.col("answered_date").dt.strftime("%d %b"),
            pl.col("survey").str.to_uppercase() + pl.lit(" ") + pl.col("score").cast(pl.Utf8),
            pl.col("status"),
            pl.when(short == "").then(pl.lit("(no comment)")).otherwise(short),
            pl.col("response_id").cast(pl.Utf8),
        ],
        separator=" · ",
    )
    out = listed.select(pl.col("response_id").cast(pl.Utf8), label.alias("label"))
    return dict(zip(out["response_id"].to_list(), out["label"].to_list(), strict=True))


def status_form(listed: pl.DataFrame, save) -> None:
    """Pick an answer of the list (its newest SHOWN_MAX, as the table), set its status and a note.
    `save(response_id, status, note)` writes it (dashboard.data.set_follow_up: role and scope are
    checked there, on the server)."""
    labels_ = answer_labels(listed.head(SHOWN_MAX))  # the list is newest first
    with st.form("voc_status_form", clear_on_submit=True, border=True):
        chosen = st.selectbox("Answer", list(labels_), format_func=labels_.__getitem__, key="voc_answer")
        status = st.radio("Status", STATUSES, horizontal=True, key="voc_status", index=1)
        note = st.text_area(
            "Note (kept with the status; what was said or done)", key="voc_note", max_chars=NOTE_MAX
        )
        submitted = st.form_submit_button("Save the status", type="primary", icon=":material/save:")
    if submitted and chosen:
        save(chosen, status, note)


def crm_buttons(listed: pl.DataFrame | Callable[[], pl.DataFrame], count: int, f: Filters) -> None:
    """The list (`count` answers) for a CRM, as CSV (bytes made now, audited on click) and XLSX
    (made and audited when downloaded): the retailer's customer id, never an e-mail. `listed`: the
    whole list, or for a long one a function that reads it (dashboard.data.follow_up_list_later),
    called only when a file is made: the page fetches only the answers it shows."""
    if callable(listed):
        read = listed

        def rows() -> pl.DataFrame:
            return components.plain(crm_export(read()))
    else:
        rows = components.plain(crm_export(listed))
    components.download_buttons(
        rows,
        "follow_up_crm",
        f,
        key="voc_crm",
        notes=CRM_NOTES,
        label="CRM export",
        formats=("csv", "xlsx"),
        rows=count,
        helps={
            "csv": "One row per answer on the list, with the customer id the retailer knows",
            "xlsx": "Excel workbook; the filters and what each id is are on its 'filters' sheet",
        },
    )


# -- what customers say ----------------------------------------------------------------------
LANGUAGES = {"en": "English", "pt": "Portuguese", "es": "Spanish", "fr": "French", "de": "German",
             "it": "Italian", "nl": "Dutch"}  # fmt: skip


def language_name(code: str | None) -> str:
    return LANGUAGES.get(code or "", code or "unknown")


def accuracy_caption(accuracy: pl.DataFrame) -> None:
    """How far the sentiment can be trusted, per language: the cross-fitted model's AUC against
    the answers' own scores (1 = always tells an unhappy answer from a happy one, 0.5 = chance)."""
    parts = []
    for r in accuracy.iter_rows(named=True):
        name = language_name(r["language"])
        if r["language"] is None:
            parts.append(f"{r['count_comments']:,} comments {r['reason']}")
            continue
        if r["status"] != "measured" or r["auc"] is None:
            parts.append(f"{name}: not measured ({r['reason'] or 'too few scored comments'})")
            continue
        text = (
            f"{name}: {r['count_comments']:,} comments, AUC {r['auc']:.2f} unhappy vs happy "
            f"(n = {r['count_unhappy']:,} / {r['count_happy']:,})"
        )
        if r["auc_nps"] is not None:
            text += f", {r['auc_nps']:.2f} detractors vs promoters"
        parts.append(text)
    st.caption(
        escape_markdown(
            "Sentiment of each comment (-1 to 1) from a model trained on the retailer's own "
            "score-labelled comments, each scored by a model that did not see its score. Accuracy: "
            + "; ".join(parts)
            + "."
        )
    )


THEME_BREAKDOWNS = {
    "all": "All comments",
    "channel": "Channel",
    "touchpoint": "Touchpoint",
    "tier": "Loyalty tier",
    "region": "Region",
}


def themes_table(frame: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    first = [pl.col(by).alias(THEME_BREAKDOWNS[by])] if by else []
    return frame.select(
        *first,
        pl.col("theme").alias("Theme"),
        pl.col("count_comments").alias("Comments"),
        (100 * pl.col("share")).round(1).alias("Share %"),
        pl.col("mean_sentiment").round(2).alias("Sentiment"),
        pl.col("nps").round(1).alias("NPS of those mentioning it"),
        pl.col("nps_n").alias("NPS n"),
        pl.col("csat").round(1).alias("CSAT % of those mentioning it"),
        pl.col("csat_n").alias("CSAT n"),
    )


def emerging_notice(frame: pl.DataFrame) -> None:
    """The emerging themes as on the overview's alerts, or a line saying there are none (and what
    emerging means) when the period has themed comments."""
    if frame.height and frame["is_emerging"].any():
        components.emerging_themes(frame)
    elif frame.height:
        st.caption(
            "Emerging themes: none in the period. A theme is emerging when it has at least 10 mentions, "
            "1.5 times its share of the comparison period's comments, and a binomial test says the rise "
            "is beyond chance (p < 0.01)."
        )


def drivers_notes(frame: pl.DataFrame, metric_label: str) -> None:
    if frame.height == 0:
        st.info(f"No {metric_label} answers in the period to find what moves it.", icon=":material/info:")
        return
    whole = frame.filter(pl.col("driver").is_null())
    if whole.height:  # no model at all for the period (too few answers), with the reason
        st.info(f"Not measured: {escape_markdown(whole['reason'][0])}.", icon=":material/info:")
        return
    n_model = frame["n_model"].max()
    st.caption(
        f"Effects in {metric_label} points from one regression over the period's {n_model:,} answers "
        "(a theme against answers without a comment, a tier or channel against the first one; 95% "
        "intervals robust to unequal variance). Associations, not proof of cause."
    )
    unmeasured = frame.filter(pl.col("status") != "measured")
    if unmeasured.height:
        with st.expander(f"Not measured ({unmeasured.height})"):
            for r in unmeasured.iter_rows(named=True):
                st.text(f"{r['label']}: {r['reason']}")
