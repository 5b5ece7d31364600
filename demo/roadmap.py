"""The 90-180 day CX roadmap: initiatives, their monthly check-ins, and the launches that move KPIs.

The programme started `PROGRAMME_AGE_DAYS` before the end of the data, so "today" is day ~139:
the diagnose phase is done and phase 2 (deliver) is underway. Each launched initiative has a launch
day; from then on (ramping up over a few days) the generators of contacts, surveys and sessions
apply its effect, so the KPI it promised to move really moves in the data. Baselines are measured
from the generated data over the diagnose phase (days 1-60), before any launch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from demo.timeline import DAY, Period, add_months, epoch_day

PROGRAMME_AGE_DAYS = 138  # programme_start = end - 138 days, so the end of the data is day 139
BASELINE_DAYS = (1, 60)  # the diagnose phase: where baselines are measured


@dataclass(frozen=True)
class Initiative:
    initiative_id: str
    name: str
    phase: str
    area: str
    owner: str
    start_day: int
    end_day: int
    status: str  # status at the end of the data
    percent_complete: float  # at the end of the data
    kpi: str
    friction_point: str
    complexity: int
    launch_day: int | None = None  # when its change went live (programme day)
    ramp_days: int = 10  # how long the effect takes to reach full strength
    effect: str | None = None  # key the generators look up


# one initiative a row, a table kept as one (not reformatted)
# fmt: off
INITIATIVES = (
    Initiative("CX-01", "Journey mapping and friction baseline", "diagnose", "measurement",
               "CX Insights Lead", 1, 45, "done", 100, "nps", "detractor_churn", 2),
    Initiative("CX-02", "Contact-reason taxonomy and repeat-contact tracking", "diagnose", "measurement",
               "Contact Centre Operations Manager", 10, 60, "done", 100, "fcr", "repeat_contacts", 2),
    Initiative("CX-03", "Proactive delivery notifications (SMS, email, app push)", "deliver",
               "proactive_communication", "Head of Digital", 61, 120, "done", 100, "repeat_contact_rate",
               "late_deliveries", 2, launch_day=75, ramp_days=10, effect="notify"),
    Initiative("CX-04", "Associate knowledge base and refund empowerment", "deliver", "associate_enablement",
               "Head of Customer Service", 61, 150, "on_track", 85, "fcr", "repeat_contacts", 3,
               launch_day=92, ramp_days=21, effect="enablement"),
    Initiative("CX-05", "Skills-based intelligent routing", "deliver", "intelligent_routing",
               "Contact Centre Operations Manager", 65, 130, "done", 100, "transfer_rate", "transfers", 3,
               launch_day=88, ramp_days=7, effect="routing"),
    Initiative("CX-06", "Order-tracking and returns chatbot", "deliver", "self_service", "Head of Digital",
               70, 145, "on_track", 88, "self_service_rate", "long_waits", 4,
               launch_day=100, ramp_days=14, effect="bot"),
    Initiative("CX-07", "Peak-time callbacks and queue messaging", "deliver", "intelligent_routing",
               "Workforce Planning Manager", 90, 150, "at_risk", 60, "avg_wait", "long_waits", 2,
               launch_day=116, ramp_days=7, effect="callbacks"),
    Initiative("CX-08", "Abandoned-basket reminders", "deliver", "proactive_communication",
               "Ecommerce Director", 100, 150, "on_track", 80, "cart_abandonment", "abandoned_carts", 1,
               launch_day=122, ramp_days=5, effect="basket"),
    Initiative("CX-09", "Delivery promise accuracy at checkout", "deliver", "proactive_communication",
               "Head of Logistics", 110, 150, "at_risk", 35, "on_time_delivery", "late_deliveries", 4),
    Initiative("CX-10", "Size guidance and richer product content", "deliver", "self_service",
               "Ecommerce Director", 120, 150, "off_track", 10, "nps", "preventable_returns", 3),
    Initiative("CX-11", "CX governance council and monthly review", "operationalize", "measurement",
               "Chief Customer Officer", 151, 180, "not_started", 0, "nps", "detractor_churn", 2),
    Initiative("CX-12", "Always-on experiments and KPI alerts", "operationalize", "measurement",
               "CX Insights Lead", 155, 180, "not_started", 0, "nps", "abandoned_carts", 2),
)
# fmt: on

# How the target is set from the measured baseline, per KPI: (kind, amount).
TARGET_RULE = {
    "nps": ("add", 10),
    "csat": ("add", 5),
    "fcr": ("add", 10),
    "on_time_delivery": ("add", 4),
    "self_service_rate": ("add", 12),
    "repeat_contact_rate": ("mul", 0.7),
    "transfer_rate": ("mul", 0.5),
    "avg_wait": ("mul", 0.7),
    "aht": ("mul", 0.9),
    "cart_abandonment": ("add", -5),
}
PERCENT_CAP = {"csat", "fcr", "on_time_delivery", "self_service_rate"}


def programme_start(period: Period) -> date:
    return period.end - timedelta(days=PROGRAMME_AGE_DAYS)


def day_ts(period: Period, programme_day: int) -> int:
    """Midnight at the start of a programme day (day 1 = programme_start)."""
    return (epoch_day(programme_start(period)) + programme_day - 1) * DAY


class Effects:
    """Strength (0..1) of each launched initiative's effect at given times."""

    def __init__(self, period: Period):
        self.launch = {i.effect: (day_ts(period, i.launch_day), i.ramp_days) for i in INITIATIVES if i.effect}

    def __call__(self, key: str, ts: np.ndarray) -> np.ndarray:
        launch_ts, ramp = self.launch[key]
        return np.clip((np.asarray(ts, dtype=np.float64) - launch_ts) / (ramp * DAY), 0.0, 1.0)


def target_for(kpi: str, baseline: float) -> float:
    kind, amount = TARGET_RULE[kpi]
    value = baseline + amount if kind == "add" else baseline * amount
    return min(value, 99.0) if kpi in PERCENT_CAP else value


def roadmap_frame(period: Period, baselines: dict[str, float]) -> pl.DataFrame:
    start = programme_start(period).isoformat()
    rows = []
    for i in INITIATIVES:
        base = baselines.get(i.kpi)
        rows.append(
            {
                "initiative_id": i.initiative_id,
                "name": i.name,
                "phase": i.phase,
                "area": i.area,
                "owner": i.owner,
                "programme_start": start,
                "start_day": str(i.start_day),
                "end_day": str(i.end_day),
                "status": i.status,
                "percent_complete": f"{i.percent_complete:.0f}",
                "kpi": i.kpi,
                "baseline": None if base is None else _number(i.kpi, base),
                "target": None if base is None else _number(i.kpi, target_for(i.kpi, base)),
                "friction_point": i.friction_point,
                "complexity": str(i.complexity),
            }
        )
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]})


def _number(kpi: str, value: float) -> str:
    return f"{value:.0f}" if kpi in ("aht", "avg_wait", "nps") else f"{value:.1f}"


def checkins_frame(period: Period) -> pl.DataFrame:
    """One check-in per initiative at each month end from its start to the end of the data."""
    p0 = programme_start(period)
    today = (period.end - p0).days + 1
    rows = []
    for i in INITIATIVES:
        start = p0 + timedelta(days=i.start_day - 1)
        for checkin in _month_ends(start, period.end):
            day = (checkin - p0).days + 1
            pct, status, note = _progress(i, day, today, p0)
            rows.append(
                {
                    "initiative_id": i.initiative_id,
                    "checkin_date": checkin.isoformat(),
                    "status": status,
                    "percent_complete": f"{pct:.0f}",
                    "note": note,
                }
            )
    return pl.DataFrame(
        rows,
        schema={k: pl.Utf8 for k in ("initiative_id", "checkin_date", "status", "percent_complete", "note")},
    )


def _month_ends(first: date, last: date) -> list[date]:
    out = []
    d = first
    while True:
        nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        month_end = nxt - timedelta(days=1)
        if month_end > last:
            break
        out.append(month_end)
        d = nxt
    if not out or out[-1] != last:
        out.append(last)
    return out


def _progress(i: Initiative, day: int, today: int, p0: date) -> tuple[float, str, str]:
    """Percent complete rises linearly to the value reported today; status follows it."""
    span = max(today - i.start_day, 1)
    pct = round(i.percent_complete * min(max(day - i.start_day, 0) / span, 1.0) / 5) * 5
    if i.status == "done":
        planned = (day - i.start_day) / max(i.end_day - i.start_day, 1)
        pct = min(100, round(100 * planned / 5) * 5)
    launched = i.launch_day is not None and day >= i.launch_day
    if pct >= 100:
        status, note = "done", "Complete; handed over to business as usual"
    elif day == today or today - day < 20:
        status = i.status
        starts = (p0 + timedelta(days=i.start_day - 1)).isoformat()
        note = {
            "at_risk": "Behind plan: dependency on a supplier release",
            "off_track": "Blocked: no budget confirmed for content work",
            "not_started": f"Not started; planned to start on {starts}",
        }.get(status, "On plan")
    elif i.phase == "diagnose":
        status, note = "on_track", "Journey walk-throughs, interviews and data analysis under way"
    else:
        status, note = "on_track", "Discovery and design" if pct < 30 else "Build and test in progress"
    if launched and status != "done":
        live = (p0 + timedelta(days=i.launch_day - 1)).isoformat()
        note = f"Live since {live}; " + ("measuring impact" if status == "on_track" else note)
    return float(pct), status, note


def cost_assumptions_frame(period: Period) -> pl.DataFrame:
    from ingest.contracts import COST_SETTINGS

    v1 = {
        "cost_per_contact_phone": "6.50",
        "cost_per_contact_chat": "3.20",
        "cost_per_contact_email": "4.10",
        "cost_per_contact_social": "3.80",
        "cost_per_contact_in_store": "2.50",
        "cost_per_contact_self_service": "0.40",
        "cost_per_transfer": "2.75",
        "gross_margin": "0.42",
        "return_processing_cost": "7.50",
        "recoverable_cart_share": "0.10",
        "wait_threshold_seconds": "300",
        "long_wait_abandon_share": "0.35",
        "late_delivery_churn_uplift": "0.04",
        "detractor_churn_uplift": "0.12",
        "churn_window_days": "180",
    }
    # Version 2: a pay rise makes phone contacts dearer; a new returns partner costs more per unit.
    v2 = dict(v1, cost_per_contact_phone="6.90", return_processing_cost="8.10")
    v2_from = add_months(date(period.end.year, period.end.month, 1), -3)  # 2026-07-01 for the default end
    rows = []
    for version, valid_from, values in ((1, period.start, v1), (2, v2_from, v2)):
        for setting, (unit, description) in COST_SETTINGS.items():
            rows.append(
                {
                    "version": str(version),
                    "valid_from": valid_from.isoformat(),
                    "setting": setting,
                    "value": values[setting],
                    "unit": unit,
                    "description": description,
                }
            )
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]})
