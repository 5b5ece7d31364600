"""The warehouse queries each page runs for one view, so the benchmark times what a click costs.

Each function below mirrors one file of pages/ call for call: the same `dashboard.data` functions
with the same arguments, in the same order, for the sidebar's defaults (the first month in the
monthly review, the explorer's default mart, group-by and measures). `app_frame` is what app.py
runs before every page (data window, the sidebar's filter options, the freshness line).
tests/bench/test_page_queries.py checks that every page's `data.*` calls are here.

Calls go through a `View`: like dashboard.data's st.cache_data, a call repeated within one view
runs once (the roadmap page's `as_of`, the data quality page's `freshness`). A new View is a view
with an empty Streamlit cache, so every query of the set runs: a click on new filters.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from dashboard.board_pack import TREND_KEYS, month_filters
from dashboard.components import EAGER_CSV_ROWS
from dashboard.labels import HEADLINE_TRENDS
from dashboard.state import months_between, parse_month
from warehouse.filters import Filters
from warehouse.scope import Scope


class View:
    """One page view against a Warehouse: calls memoised per view, and recorded by name."""

    def __init__(self, wh):
        self.wh = wh
        self.calls: list[str] = []
        self._memo: dict = {}

    def __getattr__(self, name: str):
        method = getattr(self.wh, name)

        def call(*args, **kwargs):
            key = (name, repr(args), repr(sorted(kwargs.items())))
            if key not in self._memo:
                self.calls.append(name)
                self._memo[key] = method(*args, **kwargs)
            return self._memo[key]

        return call


def app_frame(v: View) -> None:
    """app.py: whether the snapshot has every model, the data window, the sidebar (filter options),
    the currency and the freshness line."""
    v.missing_models()
    v.as_of()
    v.data_start()
    v.filter_options()
    v.order_currencies()
    v.currency()
    v.freshness()


def overview(v: View, f: Filters) -> None:
    v.metrics(f, None)
    v.coverage()  # what these exports cannot measure (the note above the tiles)
    v.metric_series(f.trend_window(), HEADLINE_TRENDS, "month", None)
    v.voice_emerging_themes(f)  # named on the alerts
    v.friction_costs(f, None)
    v.cost_assumptions()
    v.roadmap_health()


def journey_funnel(v: View, f: Filters) -> None:
    v.funnel_dropoffs(f)
    v.coverage()
    v.funnel(f, True)
    v.stage_scores(f)
    v.targets_in_effect(f)


def loyalty_tiers(v: View, f: Filters) -> None:
    v.tier_performance(f)
    v.filter_options()  # whether the warehouse has any tier but non-members
    v.tier_migration(f.date_from, f.date_to, f)  # the page's date inputs default to the period


def friction_costs(v: View, f: Filters) -> None:
    v.cost_assumptions()
    v.friction_priorities(f, None)  # no what-if edits


def roadmap(v: View, f: Filters) -> None:
    v.roadmap(f)
    v.as_of()
    v.roadmap_health()


# dashboard/voc.py's: the follow-up table and picker show the newest SHOWN_MAX answers (importing it
# would import dashboard.data, whose caches want a Streamlit runtime); tests/bench checks they agree
SHOWN_MAX = 1_000


def voice_of_customer(v: View, f: Filters) -> None:
    # one call, as the page makes it: what customers say and the follow-up list (its index,
    # rates, and the list whole when short or its newest SHOWN_MAX answers), two queries at a
    # time (Warehouse.voice_page). A theme breakdown, the CSAT drivers or a status filter is a
    # query of its own, when chosen.
    v.voice_page(f, EAGER_CSV_ROWS, SHOWN_MAX)


def monthly_review(v: View, f: Filters) -> None:
    months = months_between(v.data_start(), v.as_of())
    month = parse_month(months[0])  # the month picker's default: the latest month
    v.month_scorecard(month, f)
    v.month_emerging_themes(month, f)  # 'what moved' names them
    review = month_filters(month, f)
    v.roadmap_status_changes(review.date_to)
    v.metric_series(
        replace(review, date_from=date(month.year - 1, month.month, 1)), TREND_KEYS, "month", None
    )


def data_quality(v: View, f: Filters) -> None:
    v.freshness()
    v.ingest_runs()
    v.file_loads()
    v.data_kept()
    v.quality_by_rule()
    v.quarantined_rows(None, None, 1000)


def audit(v: View, f: Filters) -> None:
    """The audit log is a JSON-lines file beside the warehouse (warehouse/audit.py), read by the
    page itself: no warehouse query beyond app.py's frame."""


def targets(v: View, f: Filters) -> None:
    """The targets versions are files beside the warehouse, read by the page itself."""
    v.as_of()


def explore(v: View, f: Filters) -> None:
    spec = v.explorable()
    mart = next(iter(spec))
    groups = spec[mart]["groups"]
    group_by = [g for g in ("channel",) if g in groups]
    options = spec[mart]["measures"] + spec[mart]["metrics"]
    measures = [m for m in options if m.startswith("count_")][:1] + spec[mart]["metrics"][:1]
    v.explore(mart, group_by, measures, f)


# page file stem -> its query set (in the order of dashboard/navigation.py)
PAGES = {
    "overview": overview,
    "journey_funnel": journey_funnel,
    "loyalty_tiers": loyalty_tiers,
    "friction_costs": friction_costs,
    "roadmap": roadmap,
    "voice_of_customer": voice_of_customer,
    "monthly_review": monthly_review,
    "data_quality": data_quality,
    "explore": explore,
    "audit": audit,
    "targets": targets,
}


def run_page(wh, page: str, f: Filters) -> list[str]:
    """One uncached view of `page` (app.py's frame, then the page); returns the methods called."""
    view = View(wh)
    app_frame(view)
    PAGES[page](view, f)
    return view.calls


def typical_filters(as_of: date) -> Filters:
    """The typical filter the page targets are set for: the last 90 days, one channel, one tier
    (sidebar defaults else)."""
    return Filters(date_from=as_of - timedelta(days=89), date_to=as_of, channel=("web",), tier=("gold",))


# Views besides the typical one, timed for the pages whose cost depends most on who looks and what
# they chose (churn and CLV count customers): the view the dashboard opens on (every channel and
# tier, the last 90 days) and a region manager's (the same, scoped to one region). At 50M order
# lines these took 141-162 and 454 ms on the overview while the typical view passed.
OTHER_VIEWS = ("every_channel_and_tier", "region_manager", "region_manager_web")
VIEW_PAGES = ("overview", "loyalty_tiers", "monthly_review", "voice_of_customer")


def view_filters(wh, view: str) -> Filters:
    """The Filters of a view: "typical" (typical_filters) or one of OTHER_VIEWS; the region
    manager's region is the first the data has, "region_manager_web" the same manager choosing the
    web channel."""
    as_of = wh.as_of()
    if view == "typical":
        return typical_filters(as_of)
    default = Filters(date_from=as_of - timedelta(days=89), date_to=as_of)
    if view == "every_channel_and_tier":
        return default
    if view in ("region_manager", "region_manager_web"):
        regions = wh.filter_options()["region"]
        manager = replace(default, scope=Scope.of(regions=regions[:1]))
        return replace(manager, channel=("web",)) if view == "region_manager_web" else manager
    raise ValueError(f"no view {view!r}; choose typical or one of {OTHER_VIEWS}")


# The bare aggregate behind each page's heaviest query, written straight on the fact tables (no
# mart) with the same filters: the yardstick of the ratio column. $d1/$d2 = the period, $channel
# and $tier the filter values; the monthly review's is its month, the roadmap's its 30 days.
_ORDERS_KPIS = (
    "select count(*), sum(net_revenue_amount), sum(units_returned), sum(units_sold), "
    "sum(case when is_delivered_on_time then 1 else 0 end) from fct_orders "
    "where order_date between $d1 and $d2 and channel = $channel and tier = $tier"
)
BARE_SQL = {
    # churn: customers who bought in the 12 months to the period's end, by last purchase
    "overview": "select count(*), sum(case when last_date <= $d2 - 180 then 1 else 0 end) from ("
    "select customer_id, max(order_date) as last_date from fct_orders "
    "where order_date > $d2 - 365 and order_date <= $d2 and channel = $channel and tier = $tier "
    "and customer_id is not null group by 1)",
    "journey_funnel": "select furthest_step, count(*) from fct_sessions "
    "where session_date between $d1 and $d2 and channel = $channel and tier = $tier group by 1",
    "loyalty_tiers": "select tier, count(distinct customer_id), count(*), sum(net_revenue_amount) "
    "from fct_orders where order_date between $d1 and $d2 and channel = $channel group by 1",
    "friction_costs": "select channel, count(*), sum(count_transfers) from fct_contacts "
    "where opened_date between $d1 and $d2 and tier = $tier and (is_repeat or count_transfers > 0) "
    "group by 1",
    "roadmap": _ORDERS_KPIS,
    "monthly_review": _ORDERS_KPIS,
    # the follow-up list: unhappy answers of the period with their orders
    "voice_of_customer": "select r.survey, count(*), sum(o.net_revenue_amount) from fct_survey_responses r "
    "left join fct_orders o using (order_id) where r.answered_date between $d1 and $d2 "
    "and r.channel = $channel and r.tier = $tier and r.score <= 6 group by 1",
    "data_quality": "select source_name, rule_name, count(*) from stg_meta__quarantine group by 1, 2",
    # the audit page runs no warehouse query of its own: app.py's frame is its whole cost
    "audit": "select max(activity_date), count(*) from mart_daily_orders",
    "targets": "select max(activity_date), count(*) from mart_daily_orders",
    "explore": "select region, tier, count(*), sum(net_revenue_amount) from fct_orders "
    "where order_date between $d1 and $d2 and channel = $channel and tier = $tier group by 1, 2",
}


def bare_params(page: str, f: Filters) -> dict:
    d1, d2 = f.date_from, f.date_to
    if page == "monthly_review":
        d1 = d2.replace(day=1)
    elif page == "roadmap":
        d1 = d2 - timedelta(days=29)
    params = {"d1": d1, "d2": d2, "channel": f.channel[0], "tier": f.tier[0]}
    return {k: v for k, v in params.items() if f"${k}" in BARE_SQL[page]}
