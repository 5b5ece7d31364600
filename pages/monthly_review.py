"""Monthly review (governance): what moved, what breached, roadmap changes, and the board pack."""

from dataclasses import replace
from datetime import date

import streamlit as st

from dashboard import (
    auth,
    board_pack,
    board_pack_print,
    board_pack_revisions,
    components,
    data,
    exports,
    labels,
    state,
)


def _render_print(directory, month, filters, pack) -> None:
    """The pack's print HTML and PDF, rendered once and kept beside it (never on a download click)."""
    with st.spinner("Printing the board pack's PDF…"):
        try:
            board_pack_print.render(directory, month, filters, pack)
        except Exception as exc:  # no Chromium here, or it failed: the HTML and XLSX still work
            st.warning(
                f"The PDF could not be printed here ({type(exc).__name__}); `cx board-pack` prints it."
            )


f = state.current()
st.title("Monthly CX review")
months = state.months_between(data.data_start(), data.as_of())
month_text = st.selectbox(
    "Month",
    months,
    key="review_month",
    bind="query-params",
    format_func=lambda m: f"{state.parse_month(m):%B %Y}",
)
month = state.parse_month(month_text)
review = board_pack.month_filters(month, f)
components.caption(
    f"{state.describe(review)} — the month picker replaces the period filter here; channel, region, store, "
    "tier and segment filters apply. MoM compares with the previous calendar month, YoY with the same "
    "month a year before."
)
if f.channel:
    st.caption(labels.CHANNEL_FILTER["monthly_review"])
if month_text == months[0] and state.month_end(month) > data.as_of():
    st.warning(f"{month:%B %Y} is not complete yet: data runs to {data.as_of():%d %b %Y}.")

scorecard = data.month_scorecard(month, f)
rows = scorecard.frame.to_dicts()
if all(r["value"] is None for r in rows):
    components.no_data(review)
    st.stop()

st.subheader("Scorecard")
components.table(
    board_pack.scorecard_table(rows),
    f"monthly_scorecard_{month_text}",
    review,
    key="review_scorecard",
    rename=False,
)
st.caption(
    "\\* = a change larger than the combined 95% margins of error of both months (significant). "
    "“few answers” = fewer survey answers than the metric's minimum: read with care."
)

st.subheader("Past the alert threshold")
breaches = board_pack.breaches_table(rows)
if breaches.height:
    components.table(breaches, f"breaches_{month_text}", review, key="breaches", rename=False)
else:
    st.success("No metric breached its alert threshold this month.", icon=":material/check_circle:")

st.subheader("Emerging comment themes")
emerging = data.month_emerging_themes(month, f).frame
if emerging.filter(emerging["is_emerging"]).height:
    components.emerging_themes(emerging)
else:
    st.caption("No comment theme grew beyond noise against the month before.")

st.subheader("Roadmap status changes")
changes = data.roadmap_status_changes(review.date_to).frame
changed = board_pack.changes_table(changes.filter(changes["is_status_changed"]).to_dicts())
if changed.height:
    components.table(changed, f"roadmap_changes_{month_text}", None, key="changes", rename=False)
else:
    st.info("No initiative changed status at the last check-in up to this month.")

st.subheader("Thirteen months to this month")
trend_filters = replace(review, date_from=date(month.year - 1, month.month, 1))
series = data.metric_series(trend_filters, board_pack.TREND_KEYS)
if series.frame.height:
    st.caption("By month; dashed line = target, dotted line = the review month.")
    components.trend_grid(
        series.frame, board_pack.TREND_KEYS, components.targets_of(scorecard.frame), "review_trend", month
    )

st.subheader("Board pack")
directory = data.board_pack_dir()
pack = board_pack.load(directory, month, f)
if pack is None and auth.viewer().can("board_pack"):
    st.write(
        "Making the pack freezes this month's figures for these filters; later downloads reproduce "
        "exactly them, even after new data arrives."
    )
    if st.button("Make the board pack", key="make_pack", icon=":material/inventory_2:", type="primary"):
        frozen = board_pack.freeze(directory, month, f, lambda: data.board_pack_figures(month, f))
        auth.record(None, "board_pack", filters=review.describe(), detail=f"{month_text} frozen")
        _render_print(directory, month, f, frozen)  # the print HTML and the PDF, once
        st.rerun()  # show the frozen pack and its downloads in place of the button
elif pack is None:
    st.info(
        "No board pack has been made for this month and these filters yet: the governance team makes them."
    )
if pack is not None:
    st.caption(f"Figures frozen {pack['frozen_at']} (data as of {str(pack['as_of'])[:10]}).")
    note = board_pack.compare_note(pack, rows)
    if note:
        st.info(note, icon=":material/lock_clock:")
        if auth.viewer().can("board_pack") and st.button(
            "Re-issue as a revision",
            key="revise_pack",
            icon=":material/published_with_changes:",
            help="Freeze the month again with the late data; the pack in force now is kept and the "
            "new one lists what changed",
        ):
            revised, listed = board_pack_revisions.revise(
                directory, month, f, lambda: data.board_pack_figures(month, f)
            )
            if revised is not None:
                auth.record(
                    None,
                    "board_pack",
                    filters=review.describe(),
                    detail=f"{month_text} revision {revised['revision']}: {len(listed)} figures changed",
                )
                _render_print(directory, month, f, revised)
            st.rerun()
    if pack.get("revision_changes"):
        st.caption(
            f"Revision {pack['revision']}: re-issued after late data changed "
            + ", ".join(c["label"] for c in pack["revision_changes"])
            + f"; revision {pack['revises']['revision']} (frozen {pack['revises']['frozen_at']}) is kept."
        )
    stem = f"cx_board_pack_{month_text}"
    buttons = st.container(horizontal=True, gap="small")
    printed = board_pack_print.paths(directory, month, f)
    formats = {  # format -> how it renders, its MIME type, the button's help
        "html": (
            # the print HTML rendered at freezing; a pack frozen before it existed renders as it did
            (lambda _p: printed["html"].read_bytes()) if printed["html"].exists() else board_pack.render_html,
            "text/html",
            "One self-contained file: opens offline in any browser",
        ),
        "xlsx": (board_pack.render_xlsx, exports.XLSX_MIME, None),
    }
    if printed["pdf"].exists():
        formats["pdf"] = (
            lambda _p: printed["pdf"].read_bytes(),
            "application/pdf",
            "Printed once, when the pack was frozen: A4",
        )
    elif auth.viewer().can("board_pack") and buttons.button(
        "Print the PDF", key="print_pack", icon=":material/picture_as_pdf:"
    ):
        _render_print(directory, month, f, pack)  # a pack frozen before PDFs: printed once, now
        st.rerun()
    for fmt, (render, mime, help_text) in formats.items():
        buttons.download_button(
            f"Board pack ({fmt.upper()})",
            auth.audited(
                lambda render=render: render(pack),
                name=f"{stem}.{fmt}",
                fmt=fmt,
                rows=len(pack["scorecard"]),
                filters_text=review.describe(),
            ),
            f"{stem}.{fmt}",
            mime,
            key=f"pack_{fmt}",
            on_click="ignore",
            icon=":material/download:",
            help=help_text,
        )
