"""The global filters: sidebar widgets bound to the URL's query parameters, and the Filters object
the warehouse takes.

Each widget is bound with `bind="query-params"` (its key is the parameter name), so a copied URL
reopens the same view, the values survive page switches (the sidebar is drawn by app.py on every
page), and unknown or malformed parameters are dropped by Streamlit instead of raising. A bound
select widget puts the option as shown into the URL (Streamlit serialises the formatted label):
`?period=Last+30+days&channel=Web&tier=non-member`. The period choices resolve to explicit dates
against the data's as-of date, not the wall clock.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard import auth
from warehouse.filters import DIMENSION_LABELS, TIER_ORDER, Filters, month_end

__all__ = ["DIMENSION_LABELS", "TIER_ORDER", "Filters", "month_end"]

PERIODS = {
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "last_365": "Last 365 days",
    "month": "Calendar month",
    "quarter": "Quarter",
    "custom": "Custom dates",
}
LAST_DAYS = {"last_30": 30, "last_90": 90, "last_365": 365}
DEFAULT_PERIOD = "last_90"
COMPARES = {"previous": "Previous period", "year": "Same period last year", "none": "No comparison"}
FILTERS_STATE = "_cx_filters"


def tier_label(tier: str) -> str:
    return "non-member" if tier == "none" else str(tier)


def label(value: str) -> str:
    """A code as a reader sees it: "ship_to_home" -> "Ship to home"."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


# -- periods --------------------------------------------------------------------------------
def month_start(d: date) -> date:
    return d.replace(day=1)


def months_between(first: date, last: date) -> list[str]:
    """ "YYYY-MM" of every month from `last` back to `first` (newest first)."""
    out, d = [], month_start(last)
    while d >= month_start(first):
        out.append(f"{d:%Y-%m}")
        d = month_start(d - timedelta(days=1))
    return out


def quarters_between(first: date, last: date) -> list[str]:
    out = []
    for m in months_between(first, last):
        q = f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}"
        if q not in out:
            out.append(q)
    return out


def parse_month(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def quarter_dates(text: str) -> tuple[date, date]:
    year, q = int(text[:4]), int(text[-1])
    start = date(year, 3 * (q - 1) + 1, 1)
    return start, month_end(date(year, 3 * q, 1))


def period_dates(
    period: str,
    as_of: date,
    month: str | None = None,
    quarter: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[date, date]:
    """The inclusive dates a period choice stands for (against the data's as-of date)."""
    if period in LAST_DAYS:
        return as_of - timedelta(days=LAST_DAYS[period] - 1), as_of
    if period == "month" and month:
        start = parse_month(month)
        return start, month_end(start)
    if period == "quarter" and quarter:
        return quarter_dates(quarter)
    if period == "custom" and date_from and date_to:
        return (date_from, date_to) if date_from <= date_to else (date_to, date_from)
    return period_dates(DEFAULT_PERIOD, as_of)


# -- the sidebar ----------------------------------------------------------------------------
def sidebar(options: dict, as_of: date, data_start: date) -> Filters:
    """Draw the global filters in the sidebar and return them as a resolved Filters."""
    sb = st.sidebar
    sb.header("Filters")
    for notice in url_notices(options, as_of, data_start):
        st.warning(notice, icon=":material/link_off:")
    period = sb.selectbox(
        "Period",
        list(PERIODS),
        index=list(PERIODS).index(DEFAULT_PERIOD),
        format_func=PERIODS.get,
        key="period",
        bind="query-params",
        help=f"Quick choices count back from the latest data ({as_of:%d %b %Y}), not from today's date.",
    )
    month = quarter = date_from = date_to = None
    if period == "month":
        month = sb.selectbox(
            "Month",
            months_between(data_start, as_of),
            key="month",
            bind="query-params",
            format_func=lambda m: f"{parse_month(m):%B %Y}",
        )
    elif period == "quarter":
        quarter = sb.selectbox(
            "Quarter", quarters_between(data_start, as_of), key="quarter", bind="query-params"
        )
    elif period == "custom":
        c1, c2 = sb.columns(2)
        date_from = c1.date_input(
            "From",
            # the last 90 days, or all the data when it covers less (a default before min_value
            # is an error in Streamlit, not a clamp)
            max(as_of - timedelta(days=89), data_start),
            min_value=data_start,
            max_value=as_of,
            key="from",
            bind="query-params",
            format="YYYY-MM-DD",
        )
        date_to = c2.date_input(
            "To",
            as_of,
            min_value=data_start,
            max_value=as_of,
            key="to",
            bind="query-params",
            format="YYYY-MM-DD",
        )
    start, end = period_dates(period, as_of, month, quarter, date_from, date_to)
    compare = sb.selectbox(
        "Compare with", list(COMPARES), format_func=COMPARES.get, key="compare", bind="query-params"
    )
    sb.caption(f"{start:%d %b %Y} – {end:%d %b %Y}")

    channel = sb.multiselect(
        "Channel",
        options.get("channel", []),
        key="channel",
        bind="query-params",
        format_func=label,
        placeholder="All channels",
        help=(
            "Sales channel for orders, sessions and surveys; a contact matches the channel it came in on "
            "or the sales channel of the order it is about; churn and CLV: customers who bought in it."
        ),
    )
    scoped = auth.viewer().scope.restricted
    region = sb.multiselect(
        "Region",
        options.get("region", []),
        key="region",
        bind="query-params",
        placeholder="All your regions" if scoped else "All regions",
    )
    names = {
        s["store_id"]: name
        for s, name in zip(options.get("stores_by_region", []), _store_names(options).values(), strict=True)
        if not region or s["region"] in region
    }
    store = sb.multiselect(
        "Store",
        list(names),
        key="store",
        bind="query-params",
        format_func=names.get,
        placeholder=("All your stores" if scoped else "All stores") + (" in the region" if region else ""),
        help="Only the stores of the chosen regions are listed.",
    )
    tiers = [t for t in TIER_ORDER if t in options.get("tier", [])]
    tier = sb.multiselect(
        "Loyalty tier",
        tiers,
        key="tier",
        bind="query-params",
        format_func=tier_label,
        placeholder="All tiers",
    )
    segment = sb.multiselect(
        "Segment",
        options.get("segment", []),
        key="segment",
        bind="query-params",
        format_func=label,
        placeholder="All segments",
    )
    filters = Filters(
        date_from=start,
        date_to=end,
        channel=tuple(channel),
        region=tuple(region),
        store=tuple(store),
        tier=tuple(tier),
        segment=tuple(segment),
        compare=compare,
        scope=auth.viewer().scope,  # the person's, never the URL's (dashboard/data.py enforces it too)
    )
    st.session_state[FILTERS_STATE] = filters
    return filters


def _store_names(options: dict) -> dict[str, str]:
    return {
        s["store_id"]: f"{s['store_name']} ({s['store_id']})" for s in options.get("stores_by_region", [])
    }


def url_choices(options: dict, as_of: date, data_start: date) -> dict[str, list[str]]:
    """What each URL parameter may hold, as the bound widgets write it (their shown labels)."""
    return {
        "period": list(PERIODS.values()),
        "month": [f"{parse_month(m):%B %Y}" for m in months_between(data_start, as_of)],
        "quarter": quarters_between(data_start, as_of),
        "compare": list(COMPARES.values()),
        "channel": [label(v) for v in options.get("channel", [])],
        "region": list(options.get("region", [])),
        "store": list(_store_names(options).values()),
        "tier": [tier_label(t) for t in TIER_ORDER if t in options.get("tier", [])],
        "segment": [label(v) for v in options.get("segment", [])],
    }


def url_notices(options: dict, as_of: date, data_start: date) -> list[str]:
    """A notice for each value in the URL that the filters cannot take (a mistyped or outdated
    link, a date that does not exist, a region outside the viewer's scope): Streamlit drops such a
    value and shows the default instead, which must not happen silently."""
    notices = []
    choices = url_choices(options, as_of, data_start)
    params = st.query_params
    for key, valid in choices.items():
        for value in params.get_all(key):
            if value and value not in valid:  # (an empty value clears the filter on purpose)
                name = DIMENSION_LABELS.get(key, key.capitalize())
                notices.append(
                    f"The link's {name.lower()} “{_plain(value)}” is not one of the choices here "
                    "(or not one you can see), so it is not applied."
                )
    for key in ("from", "to"):
        for value in params.get_all(key):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                notices.append(
                    f"The link's “{key}” date “{_plain(value)}” is not a date, so it is not applied."
                )
                continue
            if not data_start <= day <= as_of:
                notices.append(
                    f"The link's “{key}” date {day:%d %b %Y} is outside the data "
                    f"({data_start:%d %b %Y} – {as_of:%d %b %Y}), so it is not applied."
                )
    return notices


def _plain(value: str) -> str:
    from dashboard.labels import escape_markdown

    return escape_markdown(value[:80] + ("…" if len(value) > 80 else ""))


def current() -> Filters:
    """The filters app.py resolved for this run. Every page calls this first."""
    if FILTERS_STATE not in st.session_state or _legacy_pages_mode():
        _run_through_app()
    return st.session_state[FILTERS_STATE]


def _legacy_pages_mode() -> bool:
    from streamlit.runtime.pages_manager import PagesManager

    return bool(PagesManager.uses_pages_directory)


def _run_through_app() -> None:
    """A page ran without app.py. Streamlit runs a page file on its own (its legacy multipage mode,
    because a pages/ folder sits beside app.py) until some run in the process has called
    st.navigation: on a fresh server whose first request is a deep link (e.g. /roadmap), and in
    AppTest, which resets that switch before every run. Calling st.navigation here switches to
    app.py's navigation, and the rerun goes through app.py (sidebar, freshness) to the same page."""
    from dashboard.navigation import pages

    st.navigation(pages(None), position="hidden")
    st.rerun()


def describe(f: Filters) -> str:
    """The filters in words, for captions, exports and the board pack."""
    parts = [f"{f.date_from:%d %b %Y} – {f.date_to:%d %b %Y}"]
    for dim, name in DIMENSION_LABELS.items():
        values = getattr(f, dim)
        if values:
            shown = [tier_label(v) for v in values] if dim == "tier" else list(values)
            parts.append(f"{name}: {', '.join(shown)}")
    if f.compare != "none":
        parts.append(f"compared with {COMPARES[f.compare].lower()}")
    if f.scope.restricted:
        parts.append(f"your scope: {f.scope.describe()}")
    return " · ".join(parts)
