"""Which metrics are in breach of their alert threshold, with the tiles' honesty.

A metric breaches when its status is `alert`; a metric that is not measured, has no data, has no
target, or whose n is under its minimum (`is_small_sample`) never does. A breach whose value is
within its margin of error of the threshold says so. Each finding carries a key (metric, period,
scope): in a rolling window (last-7-days, last-30-days) the period part is the window's name, so a
breach stays the same breach until it recovers; for latest-month it is the month.

A finding's `state` is `breach`, `clear` (measured, enough n, not in alert: a recovery if a breach
was open) or `unknown` (no value, not measured, no target, small sample: neither breach nor
recovery).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from warehouse.filters import Filters
from warehouse.scope import EVERYTHING, Scope

PERIODS = ("latest-month", "last-7-days", "last-30-days")


@dataclass(frozen=True)
class Finding:
    key: str
    kind: str  # metric | stale_source | inbox_failed
    state: str  # breach | clear | unknown
    subject: str  # the metric's or source's or file's name as a reader sees it
    period: str  # "2026-10", "last-7-days", ...
    scope: str  # Scope.describe()
    detail: dict = field(default_factory=dict)
    recoverable: bool = True  # an inbox failure is an event: no recovery notice

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "state": self.state,
            "subject": self.subject,
            "period": self.period,
            "scope": self.scope,
            **self.detail,
        }


def scope_key(scope: Scope) -> str:
    if scope.everything:
        return "all"
    return "regions=" + ",".join(sorted(scope.regions)) + ";stores=" + ",".join(sorted(scope.stores))


def period_dates(period: str, as_of: date) -> tuple[date, date, str]:
    """(first day, last day, label). latest-month is the latest complete calendar month up to the
    data's as-of date (the month of as_of itself when as_of is its last day)."""
    if period == "last-7-days":
        return as_of - timedelta(days=6), as_of, period
    if period == "last-30-days":
        return as_of - timedelta(days=29), as_of, period
    if period != "latest-month":
        raise ValueError(f"--period must be one of {', '.join(PERIODS)}, not {period!r}")
    end = as_of if (as_of + timedelta(days=1)).day == 1 else as_of.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end, f"{end:%Y-%m}"


def link(base: str | None, page: str, filters: Filters) -> str | None:
    """The dashboard page with the filters in its URL (the keys dashboard/state.py reads)."""
    if not base:
        return None
    params = [("from", str(filters.date_from)), ("to", str(filters.date_to))]
    for dim in ("channel", "region", "store", "tier", "segment"):
        params += [(dim, v) for v in getattr(filters, dim)]
    return f"{base.rstrip('/')}/{page}?{urlencode(params)}"


def _num(v):
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return None
    return round(v, 4) if isinstance(v, float) else v


def metric_findings(
    wh, period: str, scope: Scope = EVERYTHING, dashboard_url: str | None = None
) -> list[Finding]:
    """Every metric of the period in the scope, as a breach, a clear or unknown."""
    as_of = wh.as_of()
    if as_of is None:
        return []
    start, end, label = period_dates(period, as_of)
    filters = Filters(date_from=start, date_to=end, compare="previous", scope=scope)
    frame = wh.metrics(filters).frame
    findings = []
    where = scope.describe()
    url = link(dashboard_url, "overview", replace(filters, scope=EVERYTHING))
    for row in frame.to_dicts():
        value, alert, margin = _num(row["value"]), _num(row["alert"]), _num(row["margin"])
        if row["status"] == "alert" and not row["is_small_sample"] and value is not None:
            state = "breach"
        elif value is not None and row["status"] in ("on_target", "watch") and not row["is_small_sample"]:
            state = "clear"
        else:
            state = "unknown"
        within = bool(
            state == "breach" and margin is not None and alert is not None and abs(value - alert) <= margin
        )
        detail = {
            "metric": row["metric"],
            "value": value,
            "unit": row["unit"],
            "threshold": alert,
            "target": _num(row["target"]),
            "n": _num(row["n"]),
            "margin": margin,
            "within_margin": within,
            "previous": _num(row["previous"]),
            "direction": row["direction"],
            "from": str(start),
            "to": str(end),
            "link": url,
        }
        findings.append(
            Finding(
                key=f"metric|{row['metric']}|{label}|{scope_key(scope)}",
                kind="metric",
                state=state,
                subject=row["label"],
                period=label,
                scope=where,
                detail=detail,
            )
        )
    return findings


def stale_findings(wh, cadence_days: float, now: datetime) -> list[Finding]:
    """A source whose last ingest is older than its expected cadence (whole business only)."""
    findings = []
    for row in wh.freshness().frame.to_dicts():
        last = row["last_ingest_at"]
        # a source never loaded by `cx ingest` has no ingest to be late from: neither stale nor fresh
        late = None if last is None else now - last > timedelta(days=cadence_days)
        findings.append(
            Finding(
                key=f"stale|{row['source_name']}",
                kind="stale_source",
                state="unknown" if late is None else "breach" if late else "clear",
                subject=f"{row['source_name']} exports",
                period="freshness",
                scope=EVERYTHING.describe(),
                detail={
                    "source": row["source_name"],
                    "last_ingest_at": None if last is None else last.isoformat(timespec="seconds"),
                    "latest_date": None if row["latest_date"] is None else str(row["latest_date"]),
                    "cadence_days": cadence_days,
                },
            )
        )
    return findings


def inbox_failure(name: str, sha256: str, message: str) -> Finding:
    """A file the drop folder could not load: alerted once (its key is its bytes), never recovers."""
    return Finding(
        key=f"inbox|{sha256}",
        kind="inbox_failed",
        state="breach",
        subject=name,
        period="inbox",
        scope=EVERYTHING.describe(),
        detail={"file": name, "sha256": sha256, "message": message},
        recoverable=False,
    )


def describe(f: Finding) -> str:
    """One line of a message."""
    d = f.detail
    if f.kind == "stale_source":
        return (
            f"{f.subject}: no new data for more than {d['cadence_days']:g} days "
            f"(last ingest {d['last_ingest_at'] or 'never'}; latest day {d['latest_date'] or 'none'})"
        )
    if f.kind == "inbox_failed":
        return f"inbox file {d['file']} failed: {d['message']}"
    from warehouse.metrics import METRICS

    m = METRICS.get(d["metric"])
    fmt = m.fmt if m else (lambda v: "–" if v is None else f"{v:g}")
    text = (
        f"{f.subject} {fmt(d['value'])} (alert threshold {fmt(d['threshold'])}, target {fmt(d['target'])}; "
        f"n = {_count(d['n'])}; previous period {fmt(d['previous'])}) for {d['from']} to {d['to']}, {f.scope}"
    )
    if d.get("within_margin"):
        text += f"; within the margin of error (±{d['margin']:.1f}): the breach may be noise"
    if d.get("link"):
        text += f"\n    {d['link']}"
    return text


def _count(n) -> str:
    return "–" if n is None else f"{n:,.0f}"


def from_dict(d: dict) -> Finding:
    base = ("key", "kind", "state", "subject", "period", "scope")
    return Finding(
        **{k: d[k] for k in base},
        detail={k: v for k, v in d.items() if k not in base},
        recoverable=d["kind"] != "inbox_failed",
    )
