"""Where an additive metric query reads its rows: a daily mart, or its monthly roll-up for the whole
calendar months of the period and the daily mart for the rest.

The additive metrics are sums of a mart's columns (warehouse/metrics.toml), so the sum over a
month's days equals that month's row of the roll-up (warehouse/models/marts/mart_monthly_*.sql,
one row per month and the daily mart's dimensions). A 90-day period then reads two whole months
from the roll-up and its partial month's days from the daily mart; a year's trend by month or the
monthly review's months read the roll-up almost only: about 30x fewer rows for orders, 6x for
contacts at 10M order lines (whose reasons and sales channels make many small groups a day).
A query grouped by day or week reads the daily mart alone.

The rows come from a subquery named as the daily mart, with the daily mart's columns: the caller's
WHERE clause (period, filters, scope) and expressions stay as they are, and a roll-up row's
activity_date (its month's first day) lies inside every period whose whole month it is.
"""

from __future__ import annotations

from datetime import date, timedelta

from warehouse.filters import month_end

# daily mart -> its monthly roll-up (same columns, activity_date the month's first day)
ROLLUPS = {
    "mart_daily_orders": "mart_monthly_orders",
    "mart_daily_contacts": "mart_monthly_contacts",
    "mart_daily_sessions": "mart_monthly_sessions",
    "mart_daily_surveys": "mart_monthly_surveys",
}
# groupings a month's row cannot answer
DAY_GRAINS = ("day", "week")


def whole_months(date_from: date, date_to: date) -> tuple[date, date] | None:
    """The first days of the first and last calendar months lying wholly inside the period, or None."""
    first = date_from if date_from.day == 1 else month_end(date_from) + timedelta(days=1)
    last_end = date_to if date_to == month_end(date_to) else date_to.replace(day=1) - timedelta(days=1)
    if first > last_end:
        return None
    return first, last_end.replace(day=1)


def split(spans: list[tuple[date, date]]) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """(ranges of month starts read from the roll-up, ranges of days read from the daily mart)
    covering the periods `spans` (inclusive dates) exactly once."""
    months, days = [], []
    for date_from, date_to in spans:
        whole = whole_months(date_from, date_to)
        if whole is None:
            days.append((date_from, date_to))
            continue
        first, last = whole
        months.append((first, last))
        if date_from < first:
            days.append((date_from, first - timedelta(days=1)))
        if month_end(last) < date_to:
            days.append((month_end(last) + timedelta(days=1), date_to))
    return months, days


def mart_source(
    mart: str, spans: list[tuple[date, date]], group_by: tuple[str, ...] = ()
) -> tuple[str, dict]:
    """What a query over `mart` for the periods `spans` reads FROM (the mart itself, or a subquery
    named as it over its roll-up and itself), and the bound parameters of that subquery."""
    rollup = ROLLUPS.get(mart)
    if rollup is None or any(g in DAY_GRAINS for g in group_by):
        return mart, {}
    months, days = split(spans)
    if not months:
        return mart, {}
    params: dict = {}

    def ranges(kind: str, items: list[tuple[date, date]]) -> str:
        out = []
        for i, (start, end) in enumerate(items):
            params[f"rollup_{kind}{i}_from"], params[f"rollup_{kind}{i}_to"] = start, end
            out.append(f"activity_date between $rollup_{kind}{i}_from and $rollup_{kind}{i}_to")
        return " or ".join(out)

    parts = [f"    select * from {rollup}\n    where {ranges('m', months)}"]
    if days:  # the partial months' days
        parts.append(f"    select * from {mart}\n    where {ranges('d', days)}")
    return "(\n" + "\n    union all by name\n".join(parts) + f"\n) as {mart}", params
