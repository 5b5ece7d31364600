"""The filter object every query takes, and how it becomes a WHERE clause with bound parameters.

Filter values never reach SQL as text: the clause only names columns (from a fixed list) and
$parameters; the values travel in the params dict.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from warehouse.scope import EVERYTHING, Scope

# The one definition of the filter dimensions: name -> the column every mart carries for it, and
# the label a reader sees. A new dimension is a new entry here and a field of Filters below; the
# sidebar, the cache keys, the descriptions and the SQL all follow from these.
DIMENSIONS = {
    "channel": "channel",
    "region": "region",
    "store": "store_id",
    "tier": "tier",
    "segment": "segment",
}
DIMENSION_LABELS = {
    "channel": "Channel",
    "region": "Region",
    "store": "Store",
    "tier": "Loyalty tier",
    "segment": "Segment",
}
# Marts whose rows are support contacts: besides their own channel (phone, chat, email ...) they
# carry the sales channel of the order a contact is about. The channel filter keeps a contact that
# came in on a chosen channel or is about an order of a chosen sales channel, so a sales-channel
# view (web) keeps the contacts about its orders.
SALES_CHANNEL_COLUMNS = {"mart_daily_contacts": "order_channel", "mart_friction_events": "order_channel"}
# Loyalty tiers from the top; "none" = not a member. Every list and chart of tiers uses this order.
TIER_ORDER = ("platinum", "gold", "silver", "bronze", "none")
COMPARISONS = ("previous", "year", "none")
DEFAULT_DAYS = 90
TREND_DAYS = 365  # the trends (the overview's, the voice page's sentiment) show a year at least


@dataclass(frozen=True)
class Filters:
    """Period (inclusive dates), dimension values (empty = all) and the comparison period.

    A missing period means the last DEFAULT_DAYS days up to the latest data (resolved by the
    Warehouse, which knows the data's as-of date).
    """

    date_from: date | None = None
    date_to: date | None = None
    channel: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    store: tuple[str, ...] = ()
    tier: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    compare: str = "previous"
    # Who is looking: set from the person's access, never from the URL (warehouse/scope.py).
    scope: Scope = EVERYTHING

    def __post_init__(self) -> None:
        for dim in DIMENSIONS:
            value = getattr(self, dim)
            if isinstance(value, str):
                object.__setattr__(self, dim, (value,) if value else ())
            elif value is None:
                object.__setattr__(self, dim, ())
            else:
                object.__setattr__(self, dim, tuple(str(v) for v in value))
            for v in getattr(self, dim):
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:  # a lone surrogate: DuckDB cannot take it even as a parameter
                    raise ValueError(f"{dim} filter value {v!r} is not valid text") from None
        if self.compare not in COMPARISONS:
            raise ValueError(f"compare must be one of {COMPARISONS}, not {self.compare!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"period starts ({self.date_from}) after it ends ({self.date_to})")

    @property
    def days(self) -> int:
        assert self.date_from and self.date_to
        return (self.date_to - self.date_from).days + 1

    def comparison(self) -> Filters | None:
        """The same filters over the comparison period (None when compare = 'none')."""
        assert self.date_from and self.date_to, "resolve the period first"
        if self.compare == "none":
            return None
        if self.compare == "year":
            return replace(self, date_from=minus_year(self.date_from), date_to=minus_year(self.date_to))
        end = self.date_from - timedelta(days=1)
        return replace(self, date_from=end - timedelta(days=self.days - 1), date_to=end)

    def trend_window(self) -> Filters:
        """The same filters over the period widened to the TREND_DAYS up to its end (the whole
        period when longer): what a 12-month trend of the period shows."""
        assert self.date_from and self.date_to, "resolve the period first"
        start = self.date_to - timedelta(days=TREND_DAYS - 1)
        return replace(self, date_from=min(self.date_from, start))

    def describe(self) -> str:
        """One line stating the filters, for exports and the board pack."""
        parts = [f"period {self.date_from} to {self.date_to}"]
        for dim in DIMENSIONS:
            values = getattr(self, dim)
            parts.append(f"{dim} {', '.join(values) if values else 'all'}")
        parts.append(f"compared with {self.compare if self.compare != 'none' else 'nothing'}")
        if self.scope.restricted:
            parts.append(f"scope {self.scope.describe()}")
        return "; ".join(parts)


def month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def where_clause(
    filters: Filters,
    date_column: str = "activity_date",
    with_dates: bool = True,
    prefix: str = "",
    mart: str | None = None,
) -> tuple[str, dict]:
    """SQL condition and bound parameters for the filters (columns fixed, values as $params).
    `mart` names the table filtered, for the marts whose channel filter also reads the sales
    channel of a contact's order (SALES_CHANNEL_COLUMNS)."""
    conditions: list[str] = []
    params: dict = {}
    if with_dates:
        conditions.append(f"{date_column} between ${prefix}date_from and ${prefix}date_to")
        params[f"{prefix}date_from"] = filters.date_from
        params[f"{prefix}date_to"] = filters.date_to
    for dim, column in DIMENSIONS.items():
        values = getattr(filters, dim)
        if values:
            condition = f"list_contains(${prefix}{dim}, {column})"
            if dim == "channel" and mart in SALES_CHANNEL_COLUMNS:
                condition = f"({condition} or list_contains(${prefix}{dim}, {SALES_CHANNEL_COLUMNS[mart]}))"
            conditions.append(condition)
            params[f"{prefix}{dim}"] = list(values)
    if filters.scope.restricted:  # its own predicate: a filter value can narrow it, never widen it
        condition, scope_params = filters.scope.predicate(DIMENSIONS["region"], DIMENSIONS["store"], prefix)
        conditions.append(condition)
        params.update(scope_params)
    return (" and ".join(conditions) or "true"), params
