"""KPIs measured on the generated data, as warehouse/metrics.toml defines them (rates in percent).

Used for the roadmap's baselines (measured over the diagnose phase, before any launch) and by the
tests to check that a launch moved its KPI. The world is generated in blocks of customers, so each
KPI is measured as additive parts (counts and sums, `all_parts`) that are added up over the blocks
and turned into KPIs at the end (`kpis_of`). Pure numpy, so results are identical run to run.
"""

from __future__ import annotations

import numpy as np

from demo.orders import Orders
from demo.sessions import ADD_TO_CART, PURCHASE, Sessions
from demo.support import AGENT, BOT, SELF_SERVICE, Contacts
from demo.surveys import CES, CSAT, NPS, Responses
from demo.timeline import DAY


def followed_by_repeat(ts, customer, ticket, reason) -> np.ndarray:
    """A contact followed by another of the same customer (else ticket) and reason within 7 days."""
    who = np.where(customer >= 0, customer, -1 - ticket)
    order = np.lexsort((ts, reason, who))
    w, r, t = who[order], reason[order], ts[order]
    same = (w[1:] == w[:-1]) & (r[1:] == r[:-1]) & (t[1:] - t[:-1] <= 7 * DAY)
    out = np.zeros(len(ts), dtype=bool)
    out[order[:-1]] = same
    return out


def contact_parts(c: Contacts, lo: int, hi: int) -> dict[str, float]:
    """Counts and sums of the service KPIs over contacts opened in [lo, hi) (timestamps)."""
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
    agent = m & (c.channel != SELF_SERVICE) & (c.resolved_by != BOT) & (c.handle >= 0)
    waited = m & (c.wait >= 0)
    # resolved by the bot or on the self-service channel (metrics.toml): an open one is not served
    by_bot = (c.resolved_by == BOT) | (c.channel == SELF_SERVICE)
    self_served = (c.resolved_ts >= 0) & (c.resolved_by != AGENT) & by_bot
    return {
        "contacts": int(m.sum()),
        "repeats": int(repeat[m].sum()),
        "first_contacts": int((m & first).sum()),
        "fcr": int(fcr[m & first].sum()),
        "transferred": int((c.transfers[m] > 0).sum()),
        "self_served": int(self_served[m].sum()),
        "handled": int(agent.sum()),
        "handle_seconds": int(c.handle[agent].sum()),
        "waited": int(waited.sum()),
        "wait_seconds": int(c.wait[waited].sum()),
    }


def survey_parts(r: Responses, lo: int, hi: int) -> dict[str, float]:
    m = (r.ts >= lo) & (r.ts < hi)
    nps = r.score[m & (r.survey == NPS)]
    csat = r.score[m & (r.survey == CSAT)]
    ces = r.score[m & (r.survey == CES)]
    return {
        "nps_answers": len(nps),
        "promoters": int((nps >= 9).sum()),
        "detractors": int((nps <= 6).sum()),
        "csat_answers": len(csat),
        "satisfied": int((csat >= 4).sum()),
        "ces_answers": len(ces),
        "ces_points": int(ces.sum()),
    }


def order_parts(o: Orders, lo: int, hi: int) -> dict[str, float]:
    m = (o.ts >= lo) & (o.ts < hi) & (o.delivered_ts >= 0)
    return {"delivered": int(m.sum()), "on_time": int((o.delivered_ts[m] <= o.promised_ts[m]).sum())}


def session_parts(s: Sessions, lo: int, hi: int) -> dict[str, float]:
    m = (s.ts >= lo) & (s.ts < hi)
    return {
        "sessions": int(m.sum()),
        "carts": int((s.step[m] >= ADD_TO_CART).sum()),
        "purchases": int((s.step[m] == PURCHASE).sum()),
    }


def all_parts(o: Orders, c: Contacts, r: Responses, s: Sessions, lo: int, hi: int) -> dict[str, float]:
    return {
        **contact_parts(c, lo, hi),
        **survey_parts(r, lo, hi),
        **order_parts(o, lo, hi),
        **session_parts(s, lo, hi),
    }


def add_parts(total: dict[str, float], parts: dict[str, float]) -> dict[str, float]:
    return {k: total.get(k, 0) + v for k, v in parts.items()}


def kpis_of(p: dict[str, float]) -> dict[str, float]:
    """The KPIs of (added-up) parts; NaN where nothing was measured."""

    def ratio(num: str, den: str, times: float = 100.0) -> float:
        return times * p[num] / p[den] if p[den] else float("nan")

    return {
        "repeat_contact_rate": ratio("repeats", "contacts"),
        "fcr": ratio("fcr", "first_contacts"),
        "transfer_rate": ratio("transferred", "contacts"),
        "self_service_rate": ratio("self_served", "contacts"),
        "aht": ratio("handle_seconds", "handled", 1.0),
        "avg_wait": ratio("wait_seconds", "waited", 1.0),
        "nps": ratio("promoters", "nps_answers") - ratio("detractors", "nps_answers"),
        "csat": ratio("satisfied", "csat_answers"),
        "ces": ratio("ces_points", "ces_answers", 1.0),
        "on_time_delivery": ratio("on_time", "delivered"),
        "cart_abandonment": 100.0 * (1 - p["purchases"] / p["carts"]) if p["carts"] else float("nan"),
        "conversion_rate": ratio("purchases", "sessions"),
    }


def all_kpis(o: Orders, c: Contacts, r: Responses, s: Sessions, lo: int, hi: int) -> dict[str, float]:
    return kpis_of(all_parts(o, c, r, s, lo, hi))
