"""Canonical contracts: the columns every source is mapped to, their types and allowed values.

This is the single place that says what a loaded row looks like: per source its grain, key,
columns, types, allowed values and which columns are personal data. Profiles map an export onto
these columns; the quality suites and the raw tables are derived from them, so a new column is
added here once.
"""

from __future__ import annotations

from dataclasses import dataclass

# The types a canonical column can have, with their DuckDB types. Values arrive as text and are
# parsed at ingest; a value that does not parse is quarantined under the rule `unparseable_<type>`.
SQL_TYPES = {
    "string": "varchar",
    "integer": "bigint",
    "number": "double",
    "timestamp": "timestamp",
    "date": "date",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    required: bool = False
    allowed: tuple[str, ...] | None = None  # enum values (lower case)
    min: float | None = None
    max: float | None = None
    description: str = ""
    # Personal data never reaches the warehouse: "hash" stores a salted SHA-256 in <name>_hash
    # (so sources can still be joined on it), "drop" stores nothing.
    pii: str | None = None
    # Timestamps and dates must lie between 2000-01-01 and the time of ingest (rules
    # timestamp_before_2000 and timestamp_in_future). A column that legitimately holds a planned
    # (future) or a historical (pre-2000) value says so here.
    future_ok: bool = False
    before_2000_ok: bool = False


@dataclass(frozen=True)
class Contract:
    source: str  # name used on the command line (--source) and for the raw table raw.<source>
    grain: str
    key: tuple[str, ...]  # unique within and across files; duplicates are quarantined
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


ORDER_CHANNELS = ("store", "web", "app", "marketplace", "phone")
# Identifier columns: customer, order, ticket, store, sku, response, contact, session and agent ids.
# Staging writes each in one canonical text (ingest.profiles.transform.canonical_ids): pandas
# writes a nullable integer id as 12346.0 where another export of the same shop says 12346.
IDENTIFIERS = (
    "customer_id", "order_id", "ticket_id", "store_id", "sku", "response_id", "contact_id",
    "session_id", "agent_id",
)  # fmt: skip
# The names users give sources (`cx ingest --source pos`): the till's orders, the support desk's
# contacts, survey answers.
SOURCE_ALIASES = {"pos": "orders", "support": "contacts", "survey": "surveys"}


def source_name(name: str | None) -> str | None:
    """The contract source a user's name means: an alias (SOURCE_ALIASES), any case, or itself."""
    if name is None:
        return None
    key = name.strip().lower()
    return SOURCE_ALIASES.get(key, key)


CONTACT_CHANNELS = ("phone", "chat", "email", "social", "in_store", "self_service")
SESSION_CHANNELS = ("web", "app")
TIERS = ("bronze", "silver", "gold", "platinum", "none")
STAGES = ("awareness", "consideration", "purchase", "fulfillment", "support")
FUNNEL_STEPS = ("visit", "product_view", "add_to_cart", "checkout", "purchase")
CONTACT_REASONS = ("order_status", "delivery", "return_refund", "product", "billing", "account", "other")
FULFILLMENT = ("in_store", "ship_to_home", "bopis", "ship_from_store")
ORDER_STATUSES = (
    "created",
    "approved",
    "invoiced",
    "processing",
    "shipped",
    "delivered",
    "cancelled",
    "unavailable",
)
PHASES = ("diagnose", "deliver", "operationalize")
AREAS = (
    "associate_enablement",
    "proactive_communication",
    "intelligent_routing",
    "self_service",
    "measurement",
)
INITIATIVE_STATUS = ("not_started", "on_track", "at_risk", "off_track", "done")
SURVEYS = ("nps", "csat", "ces")
# Scale of each survey's score; a score outside it is quarantined (rule score_out_of_scale).
SURVEY_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

C = Column

CONTRACTS: dict[str, Contract] = {
    c.source: c
    for c in [
        Contract(
            source="orders",
            grain="one order line",
            key=("order_id", "line_no"),
            description="POS and e-commerce order lines",
            columns=(
                C("order_id", required=True),
                C("line_no", "integer", required=True, min=1),
                C("ordered_at", "timestamp", required=True),
                C("store_id", required=True),
                C("channel", required=True, allowed=ORDER_CHANNELS),
                C("customer_id", description="null = anonymous"),
                C("sku", required=True),
                C("category"),
                # Negative quantities are only valid as returns, which are given by
                # returned_quantity; a negative quantity is quarantined (negative_quantity).
                C("quantity", "integer", required=True, min=0),
                C("unit_price", "number", required=True, min=0),
                C("discount", "number", min=0),
                C("currency"),
                C("fulfillment", allowed=FULFILLMENT),
                C("promised_at", "timestamp", future_ok=True),  # a promise may lie ahead
                C("delivered_at", "timestamp"),
                C("returned_quantity", "integer", min=0),
                C("return_reason"),
            ),
        ),
        Contract(
            source="customers",
            grain="one tier spell of a customer (a customer has one row per tier change)",
            key=("customer_id", "tier_since"),
            description="loyalty CRM: customers with their tier history",
            columns=(
                C("customer_id", required=True),
                C("tier", required=True, allowed=TIERS),
                C("tier_since", "date", required=True),
                C("enrolled_at", "date"),
                C("region"),
                C("segment"),
                C("email", pii="hash", description="personal data: stored only as a salted hash"),
                C("phone", pii="drop", description="personal data: dropped at ingest"),
                C("marketing_opt_in", "boolean"),
            ),
        ),
        Contract(
            source="contacts",
            grain="one support contact (a ticket may have several)",
            key=("contact_id",),
            description="contact centre: calls, chats, emails, social, in-store and self-service contacts",
            columns=(
                C("contact_id", required=True),
                C("ticket_id"),
                C("customer_id"),
                C("order_id"),
                C("channel", required=True, allowed=CONTACT_CHANNELS),
                C("opened_at", "timestamp", required=True),
                C("first_response_at", "timestamp"),
                C("resolved_at", "timestamp"),
                C("reason", required=True, allowed=CONTACT_REASONS),
                C("handle_seconds", "number", min=0),
                C("wait_seconds", "number", min=0),
                C("transfers", "integer", min=0),
                C("resolved_by", allowed=("agent", "bot", "none")),
                C("agent_id"),
                # Repeat contacts a ticket tool counts inside one ticket (Zendesk Reopens): the
                # metric layer counts them as repeat contacts on the same case (FCR, repeat rate).
                C("reopens", "integer", min=0, description="times the case was reopened after being solved"),
            ),
        ),
        Contract(
            source="surveys",
            grain="one survey answer",
            key=("response_id",),
            description="survey answers: NPS (0-10), CSAT (1-5), CES (1-7)",
            columns=(
                C("response_id", required=True),
                C("survey", required=True, allowed=SURVEYS),
                C("score", "integer", required=True),  # scale depends on survey: SURVEY_SCALES
                C("answered_at", "timestamp", required=True),
                C("customer_id"),
                C("order_id"),
                C("contact_id"),
                C("touchpoint", allowed=STAGES),
                C("channel"),
                C("comment"),
            ),
        ),
        Contract(
            source="sessions",
            grain="one web or app session",
            key=("session_id",),
            description="digital analytics sessions with the furthest funnel step reached",
            columns=(
                C("session_id", required=True),
                C("started_at", "timestamp", required=True),
                C("channel", required=True, allowed=SESSION_CHANNELS),
                C("customer_id"),
                C("source"),
                C("furthest_step", required=True, allowed=FUNNEL_STEPS),
                C("order_id"),
            ),
        ),
        Contract(
            source="stores",
            grain="one store (web and app sales are booked to a virtual store per region)",
            key=("store_id",),
            columns=(
                C("store_id", required=True),
                C("name", required=True),
                C("region", required=True),
                C("format"),
                C("opened_at", "date", future_ok=True, before_2000_ok=True),  # old or planned stores
            ),
        ),
        Contract(
            source="roadmap",
            grain="one roadmap initiative",
            key=("initiative_id",),
            description="the 90-180 day CX roadmap; start_day/end_day count from programme_start",
            columns=(
                C("initiative_id", required=True),
                C("name", required=True),
                C("phase", required=True, allowed=PHASES),
                C("area", required=True, allowed=AREAS),
                C("owner"),
                C("programme_start", "date", required=True, future_ok=True),
                C("start_day", "integer", required=True, min=1),
                C("end_day", "integer", required=True, min=1),
                C("status", allowed=INITIATIVE_STATUS),
                C("percent_complete", "number", min=0, max=100),
                C("kpi"),
                C("baseline", "number"),
                C("target", "number"),
                C("friction_point"),
                C("complexity", "integer", min=1, max=5),
            ),
        ),
        Contract(
            source="roadmap_checkins",
            grain="one monthly check-in of an initiative",
            key=("initiative_id", "checkin_date"),
            columns=(
                C("initiative_id", required=True),
                C("checkin_date", "date", required=True),
                C("status", required=True, allowed=INITIATIVE_STATUS),
                C("percent_complete", "number", required=True, min=0, max=100),
                C("note"),
            ),
        ),
        Contract(
            source="cost_assumptions",
            grain="one setting of one version of the cost assumptions",
            key=("version", "setting"),
            description="money assumptions the governance team edits; a version applies from its valid_from",
            columns=(
                C("version", "integer", required=True, min=1),
                C("valid_from", "date", required=True, future_ok=True),
                C("setting", required=True),
                C("value", "number", required=True),
                C("unit"),
                C("description"),
            ),
        ),
        Contract(
            source="order_headers",
            grain="one order: when and by whom it was placed, its status, promise and delivery",
            key=("order_id",),
            description=(
                "order headers of exports that split an order over files (Olist orders); order-line "
                "profiles look up ordered_at, customer, promise and delivery here at ingest"
            ),
            columns=(
                C("order_id", required=True),
                C("ordered_at", "timestamp", required=True),
                C("customer_id"),
                C("status", allowed=ORDER_STATUSES),
                C("channel", allowed=ORDER_CHANNELS),
                C("store_id"),
                C("approved_at", "timestamp"),
                C("shipped_at", "timestamp"),
                C("promised_at", "timestamp", future_ok=True),  # a promise may lie ahead
                C("delivered_at", "timestamp"),
            ),
        ),
    ]
}

# Cost assumption settings the warehouse understands (the friction cost model reads these).
COST_SETTINGS = {
    "cost_per_contact_phone": ("GBP", "fully loaded cost of one phone contact"),
    "cost_per_contact_chat": ("GBP", "cost of one chat contact"),
    "cost_per_contact_email": ("GBP", "cost of one email contact"),
    "cost_per_contact_social": ("GBP", "cost of one social-media contact"),
    "cost_per_contact_in_store": ("GBP", "cost of one in-store service contact"),
    "cost_per_contact_self_service": ("GBP", "cost of one self-service / bot contact"),
    "cost_per_transfer": ("GBP", "extra cost of one transfer between agents"),
    "gross_margin": ("share", "gross margin on net revenue"),
    "return_processing_cost": ("GBP", "cost of processing one returned unit"),
    "recoverable_cart_share": ("share", "share of abandoned carts that better CX could recover"),
    "wait_threshold_seconds": ("seconds", "a wait longer than this counts as a long wait"),
    "long_wait_abandon_share": ("share", "share of long-wait contacts that abandon and call again"),
    "late_delivery_churn_uplift": ("share", "extra churn probability after a late delivery"),
    "detractor_churn_uplift": ("share", "extra churn probability of a detractor over a passive"),
    "churn_window_days": ("days", "no purchase for this many days counts as churned"),
}
