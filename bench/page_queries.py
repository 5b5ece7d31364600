"""The warehouse queries each page runs for one view, so the benchmark times what a click costs."""

from __future__ import annotations

from datetime import timedelta

from warehouse.api import Warehouse
from warehouse.filters import Filters


def overview(wh: Warehouse, f: Filters) -> None:
    wh.metrics(f)
    wh.metric_series(f, ["nps", "csat", "fcr", "on_time_delivery"], grain="month")
    wh.friction_costs(f)
    wh.roadmap()
    wh.freshness()


def funnel(wh: Warehouse, f: Filters) -> None:
    wh.funnel(f)
    wh.funnel(f, by_channel=True)
    wh.stage_scores(f)
    wh.friction_costs(f)
    wh.freshness()


def tiers(wh: Warehouse, f: Filters) -> None:
    wh.tier_performance(f)
    wh.tier_migration(f.date_from - timedelta(days=365), f.date_to, f)
    wh.freshness()


def friction(wh: Warehouse, f: Filters) -> None:
    wh.cost_assumptions()
    wh.friction_costs(f)
    wh.friction_costs(f, {"cost_per_contact_phone": 8.0})
    wh.roadmap()
    wh.freshness()


def roadmap(wh: Warehouse, f: Filters) -> None:
    wh.roadmap()
    wh.roadmap_checkins()
    wh.freshness()


def monthly_review(wh: Warehouse, f: Filters) -> None:
    month = Filters(date_from=f.date_to.replace(day=1), date_to=f.date_to, channel=f.channel, tier=f.tier)
    wh.metrics(month)
    wh.metrics(Filters(**{**month.__dict__, "compare": "year"}))
    wh.roadmap()
    wh.freshness()


def data_quality(wh: Warehouse, f: Filters) -> None:
    wh.ingest_runs()
    wh.file_loads()
    wh.quality_by_rule()
    wh.quarantined_rows(limit=1000)
    wh.freshness()


def explore(wh: Warehouse, f: Filters) -> None:
    wh.explore("mart_daily_orders", ["region", "tier"], ["count_orders", "net_revenue_amount", "aov"], f)
    wh.freshness()


PAGES = {
    "overview": overview,
    "journey funnel": funnel,
    "loyalty tiers": tiers,
    "friction costs": friction,
    "roadmap": roadmap,
    "monthly review": monthly_review,
    "data quality": data_quality,
    "explore": explore,
}

# The bare aggregate behind each page's heaviest query, on the raw facts, for the ratio column.
BARE_SQL = {
    "orders": "select channel, count(*), sum(net_revenue_amount) from fct_orders "
    "where order_date between $d1 and $d2 group by 1",
    "customers": "select tier, count(distinct customer_id) from fct_orders "
    "where order_date between $d1 and $d2 group by 1",
}
