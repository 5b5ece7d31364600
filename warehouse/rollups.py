"""Where an additive metric query reads its rows: a daily mart, its preset roll-up for a "last N
days" period or one it is compared with, or its monthly roll-up for the whole calendar months of
the period and the daily mart for the rest.

The additive metrics are sums of a mart's columns (warehouse/metrics.toml), so the sum over a
month's days equals that month's row of the roll-up (warehouse/models/marts/mart_monthly_*.sql,
one row per month and the daily mart's dimensions). A 90-day period then reads two whole months
from the roll-up and its partial month's days from the daily mart; a year's trend by month or the
monthly review's months read the roll-up almost only: about 30x fewer rows for orders, 6x for
contacts at 10M order lines (whose reasons and sales channels make many small groups a day).
A query grouped by day or week reads the daily mart alone.

The periods the dashboard opens on, the last 30, 90 and 365 days and the periods they are compared
with (mart_preset_spans), are summed whole at build time (mart_preset_*.sql, one row per period
and the daily mart's dimensions, activity_date the period's first day): such a period's scorecard
reads one row per group there. At 50M order lines the default 90 days and the 90 before them sum
about 27k contact rows (the roll-up holds 105k, one row group) instead of about 340k, and the
overview takes 130 ms p50 instead of 148 (interleaved on one snapshot). Only a period the roll-up
holds exactly is read from it, and not for a query grouped by a time grain, whose rows it has
summed away.

The voice page's counts are read the same way (warehouse/queries/voice.py): the comments per day
and dimensions (mart_daily_comments, with a monthly and a preset roll-up) for its themes, emerging
themes and sentiment trend, and the NPS and CSAT answers per outcome and driver values
(mart_daily_answer_drivers, with a preset roll-up) for its drivers.

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
    "mart_daily_comments": "mart_monthly_comments",
}
# daily mart -> its roll-up over the preset periods (same columns and period_to_date, activity_date
# the period's first day)
PRESET_ROLLUPS = {
    "mart_daily_orders": "mart_preset_orders",
    "mart_daily_contacts": "mart_preset_contacts",
    "mart_daily_sessions": "mart_preset_sessions",
    "mart_daily_surveys": "mart_preset_surveys",
    "mart_daily_comments": "mart_preset_comments",
    "mart_daily_answer_drivers": "mart_preset_answer_drivers",
}
# groupings a month's row cannot answer
DAY_GRAINS = ("day", "week")
# groupings a preset period's row cannot answer
PERIOD_GRAINS = ("day", "week", "month")


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
    mart: str,
    spans: list[tuple[date, date]],
    group_by: tuple[str, ...] = (),
    presets: frozenset[tuple[date, date]] = frozenset(),
    prefix: str = "",
) -> tuple[str, dict]:
    """What a query over `mart` for the periods `spans` reads FROM (the mart itself, or a subquery
    named as it over its roll-ups and itself), and the bound parameters of that subquery.
    `presets`: the periods the preset roll-ups hold (Warehouse.preset_spans). `prefix` starts the
    parameters' names, for a query reading two such subqueries (each period on its own)."""
    if any(g in DAY_GRAINS for g in group_by):
        return mart, {}
    preset = PRESET_ROLLUPS.get(mart) if not any(g in PERIOD_GRAINS for g in group_by) else None
    whole = [span for span in spans if preset and span in presets]
    rest = [span for span in spans if span not in whole]
    months, days = split(rest) if mart in ROLLUPS else ([], rest)
    if not whole and not months:
        return mart, {}
    params: dict = {}

    def ranges(kind: str, items: list[tuple[date, date]], condition: str) -> str:
        out = []
        for i, (start, end) in enumerate(items):
            name = f"{prefix}rollup_{kind}{i}"
            params[f"{name}_from"], params[f"{name}_to"] = start, end
            out.append(condition.format(start=f"${name}_from", end=f"${name}_to"))
        return " or ".join(out)

    parts = []
    if whole:  # a preset period's row: its first day and its last
        where = ranges("p", whole, "(activity_date = {start} and period_to_date = {end})")
        parts.append(f"    select * exclude (period_to_date) from {preset}\n    where {where}")
    if months:
        where = ranges("m", months, "activity_date between {start} and {end}")
        parts.append(f"    select * from {ROLLUPS[mart]}\n    where {where}")
    if days:  # the partial months' days
        where = ranges("d", days, "activity_date between {start} and {end}")
        parts.append(f"    select * from {mart}\n    where {where}")
    return "(\n" + "\n    union all by name\n".join(parts) + f"\n) as {mart}", params
