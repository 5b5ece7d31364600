"""Reader-facing names for the warehouse's column names and codes. Metric labels and definitions
come from warehouse/metrics.toml (METRICS); this is only for the other columns a page shows."""

from __future__ import annotations

import re

from warehouse import money as money_
from warehouse.metrics import METRICS

# The overview's eight KPI tiles and trend lines, in reading order (the benchmark times the same set).
HEADLINE_METRICS = [
    "nps",
    "csat",
    "fcr",
    "on_time_delivery",
    "conversion_rate",
    "aov",
    "repeat_contact_rate",
    "churn_rate",
]
# The overview's monthly trends: churn and CLV are measured over each period's 12-month customer
# window, not summed by month, so they have a tile but no monthly trend (the page says so).
HEADLINE_TRENDS = [k for k in HEADLINE_METRICS if METRICS[k].kind != "customer_window"]

COLUMNS = {
    "tier": "Tier",
    "channel": "Channel",
    "region": "Region",
    "store_id": "Store",
    "segment": "Segment",
    "stage": "Stage",
    "step": "Step",
    "touchpoint": "Touchpoint",
    "journey": "Journey",
    "count_events": "Count",
    "rate": "Rate",
    "rate_unit": "Rate is",
    "base_step": "Read over",
    "base_count": "Base (count)",
    "count_dropped": "Dropped",
    "count_customers": "Customers",
    "count_orders": "Orders",
    "net_revenue_amount": "Revenue ¤",
    "revenue_share_pct": "Revenue share %",
    "orders_per_customer": "Orders per customer",
    "service_cost_amount": "Service cost ¤",
    "cost_to_serve_per_customer": "Cost to serve per customer ¤",
    "friction_point": "Friction point code",
    "label": "Friction point",
    "measured_as": "Measured as",
    "cost_formula": "How the cost is computed",
    "period_cost_amount": "Cost in period ¤",
    "yearly_cost_amount": "Yearly run-rate ¤",
    "events_label": "Counted in",
    "count_wismo_contacts": "“Where is my order” contacts",
    "not_valued": "Not valued",
    "share_pct": "Share of total %",
    "cumulative_share_pct": "Cumulative share %",
    "complexity": "Fix complexity (1-5)",
    "initiatives": "Roadmap initiatives",
    "quadrant": "Quadrant",
    "setting": "Setting",
    "setting_value": "Value",
    "unit": "Unit",
    "description": "Description",
    "version": "Version",
    "valid_from_date": "Valid from",
    "initiative_id": "ID",
    "initiative_name": "Initiative",
    "phase": "Phase",
    "area": "Area",
    "owner": "Owner",
    "start_date": "Start",
    "end_date": "End",
    "status": "Status",
    "previous_status": "Previous status",
    "percent_complete": "Complete %",
    "previous_percent_complete": "Previously complete %",
    "checkin_date": "Check-in",
    "previous_checkin_date": "Previous check-in",
    "last_checkin_date": "Last check-in",
    "is_status_changed": "Status changed",
    "note": "Note",
    "last_note": "Note",
    "kpi_label": "KPI",
    "kpi_baseline": "Baseline",
    "kpi_measured": "Measured now",
    "kpi_target": "Target",
    "kpi_progress_pct": "Progress to target %",
    "source_name": "Source",
    "latest_date": "Latest data",
    "count_rows": "Rows",
    "count_records": "Records",
    "last_ingest_at": "Last ingest",
    "count_quarantined_rows": "Rows quarantined",
    "run_id": "Run",
    "started_at": "Started",
    "finished_at": "Finished",
    "count_files": "Files",
    "count_rows_read": "Rows read",
    "count_rows_loaded": "Rows loaded",
    "count_rows_quarantined": "Rows quarantined",
    "file_name": "File",
    "file_id": "File ID",
    "profile_name": "Profile",
    "message": "Message",
    "loaded_at": "Loaded",
    "rule_name": "Rule",
    "column_name": "Column",
    "example_value": "Example value",
    "file_row_number": "Row in file",
    "offending_value": "Offending value",
    "tier_from": "Tier before",
    "tier_to": "Tier after",
    "metric": "Metric code",
    "value": "Value",
    "target": "Target",
    "n": "n",
    "margin": "± margin (95%)",
}

# What the channel filter means on each page (shown under the figures when a channel is chosen):
# sales channels (web, app, store, marketplace, phone) and contact channels (phone, chat, email,
# social, in_store, self_service) share the one filter.
_CONTACTS = (
    "contacts that came in on that channel (phone, chat, ...) or are about an order of that sales channel"
)
_CUSTOMERS = (
    "churn and CLV: the customers who bought in that channel in the 12 months to the period's end "
    "(a purchase in any channel ends churn)"
)
_SCORECARD = (
    f"Channel filter: orders, sessions and survey answers of that channel; {_CONTACTS}; {_CUSTOMERS}."
)
CHANNEL_FILTER = {
    "overview": _SCORECARD,
    "monthly_review": _SCORECARD,
    "journey_funnel": (
        "Channel filter: sessions, orders and deliveries of that sales channel; support counts the tickets "
        "about its orders."
    ),
    "loyalty_tiers": (
        "Channel filter: customers who bought in that channel in the period; orders and answers of that "
        f"channel; {_CONTACTS}; {_CUSTOMERS}."
    ),
    "friction_costs": (
        "Channel filter: abandoned carts, late orders, returns and detractors of that sales channel; "
        f"repeat contacts, transfers, long waits and “where is my order” contacts: {_CONTACTS}."
    ),
    "explore": f"Channel filter: on the contact marts, {_CONTACTS}.",
}

QUADRANTS = {
    "quick_win": "Quick win",
    "major_project": "Major project",
    "fill_in": "Fill-in",
    "deprioritise": "Deprioritise",
    "no_fix_planned": "No fix planned",
}


def money(template: str) -> str:
    """A label or figure written with the currency sign ¤, in the warehouse's currency
    (warehouse/money.py): "AOV ¤" -> "AOV R$"; without a currency the sign is left out."""
    return money_.text(template).strip()


def column(name: str) -> str:
    """A warehouse column's label; names that are already labels pass through unchanged."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        return name
    if name in COLUMNS:
        return money(COLUMNS[name])
    if name in METRICS:
        return METRICS[name].label
    return name.replace("_", " ").capitalize()


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&=")


def escape_markdown(text) -> str:
    """Text from the data (a region, a store, an initiative, a file name, a message) as plain text
    inside a Markdown element (st.caption, st.info ...): every character Markdown, HTML or
    Streamlit's :directives: could read is escaped, so `[help](http://x)` or an image tag stays
    text and no viewer's browser fetches anything."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in str(text))
