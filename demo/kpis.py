"""KPIs measured on the generated data, as warehouse/metrics.toml defines them (rates in percent).

Used for the roadmap's baselines (measured over the diagnose phase, before any launch) and by the
tests to check that a launch moved its KPI. Pure numpy, so results are identical run to run.
"""

from __future__ import annotations

import numpy as np

from demo.orders import Orders
from demo.sessions import ADD_TO_CART, PURCHASE, Sessions
from demo.support import AGENT, BOT, SELF_SERVICE, Contacts
from demo.surveys import CES, CSAT, NPS, Responses
from demo.timeline import DAY


def _pct(x: np.ndarray) -> float:
    return float(100.0 * x.mean()) if len(x) else float("nan")


def followed_by_repeat(ts, customer, ticket, reason) -> np.ndarray:
    """A contact followed by another of the same customer (else ticket) and reason within 7 days."""
    who = np.where(customer >= 0, customer, -1 - ticket)
    order = np.lexsort((ts, reason, who))
    w, r, t = who[order], reason[order], ts[order]
    same = (w[1:] == w[:-1]) & (r[1:] == r[:-1]) & (t[1:] - t[:-1] <= 7 * DAY)
    out = np.zeros(len(ts), dtype=bool)
    out[order[:-1]] = same
    return out


def contact_kpis(c: Contacts, lo: int, hi: int) -> dict[str, float]:
    """Service KPIs over contacts opened in [lo, hi) (timestamps)."""
    repeat = followed_by_repeat(c.ts, c.customer, c.ticket, c.reason)
    m = (c.ts >= lo) & (c.ts < hi)
    # FCR per ticket (resolved, one contact, no repeat within 7 days), counted at its first contact.
    order = np.argsort(c.ts, kind="stable")
    _, first_pos = np.unique(c.ticket[order], return_index=True)
    first = np.zeros(c.n, dtype=bool)
    first[order[first_pos]] = True
    n_tickets = int(c.ticket.max()) + 1 if c.n else 0
    ticket_repeat = np.zeros(n_tickets, dtype=bool)
    np.logical_or.at(ticket_repeat, c.ticket, repeat)
    resolved = np.zeros(n_tickets, dtype=bool)
    np.logical_or.at(resolved, c.ticket, c.resolved_ts >= 0)
    fcr = resolved[c.ticket] & (c.ticket_size == 1) & ~ticket_repeat[c.ticket]
    agent = (c.channel != SELF_SERVICE) & (c.resolved_by != BOT) & (c.handle >= 0)
    waited = c.wait >= 0
    return {
        "repeat_contact_rate": _pct(repeat[m]),
        "fcr": _pct(fcr[m & first]),
        "transfer_rate": _pct(c.transfers[m] > 0),
        # resolved by the bot or on the self-service channel (metrics.toml): an open one is not served
        "self_service_rate": _pct(
            (c.resolved_ts[m] >= 0)
            & (c.resolved_by[m] != AGENT)
            & ((c.resolved_by[m] == BOT) | (c.channel[m] == SELF_SERVICE))
        ),
        "aht": float(c.handle[m & agent].mean()) if (m & agent).any() else float("nan"),
        "avg_wait": float(c.wait[m & waited].mean()) if (m & waited).any() else float("nan"),
    }


def survey_kpis(r: Responses, lo: int, hi: int) -> dict[str, float]:
    m = (r.ts >= lo) & (r.ts < hi)
    nps = r.score[m & (r.survey == NPS)]
    csat = r.score[m & (r.survey == CSAT)]
    ces = r.score[m & (r.survey == CES)]
    return {
        "nps": _pct(nps >= 9) - _pct(nps <= 6),
        "csat": _pct(csat >= 4),
        "ces": float(ces.mean()) if len(ces) else float("nan"),
    }


def order_kpis(o: Orders, lo: int, hi: int) -> dict[str, float]:
    m = (o.ts >= lo) & (o.ts < hi) & (o.delivered_ts >= 0)
    return {"on_time_delivery": _pct(o.delivered_ts[m] <= o.promised_ts[m])}


def session_kpis(s: Sessions, lo: int, hi: int) -> dict[str, float]:
    m = (s.ts >= lo) & (s.ts < hi)
    carts = (s.step[m] >= ADD_TO_CART).sum()
    bought = (s.step[m] == PURCHASE).sum()
    return {
        "cart_abandonment": 100.0 * (1 - bought / carts) if carts else float("nan"),
        "conversion_rate": _pct(s.step[m] == PURCHASE),
    }


def all_kpis(o: Orders, c: Contacts, r: Responses, s: Sessions, lo: int, hi: int) -> dict[str, float]:
    kpis = contact_kpis(c, lo, hi)
    kpis.update(survey_kpis(r, lo, hi))
    kpis.update(order_kpis(o, lo, hi))
    kpis.update(session_kpis(s, lo, hi))
    return kpis
