"""Support contacts: tickets opened by what happens to orders and customers, and their repeats.

"Where is my order" (order_status) contacts come mostly from late and overdue deliveries; returns
bring refund contacts; customers also ask about products, billing and their accounts. A contact
that was not resolved, was transferred or waited long is more often followed by a repeat contact
(same ticket, same reason, within 7 days). The roadmap's launches change this after their launch
day: notifications cut WISMO contacts and their repeats, routing cuts transfers, the bot moves
contacts to self-service, associate enablement cuts repeats, callbacks cut phone waits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import formatting as fmt
from demo.customers import Customers
from demo.orders import BOPIS, STORE, Orders
from demo.roadmap import Effects
from demo.timeline import DAY, Period, time_of_day_by

CHANNELS = ("phone", "chat", "email", "social", "in_store", "self_service")
PHONE, CHAT, EMAIL, SOCIAL, IN_STORE, SELF_SERVICE = range(6)
REASONS = ("order_status", "delivery", "return_refund", "product", "billing", "account", "other")
ORDER_STATUS, DELIVERY, RETURN_REFUND, PRODUCT, BILLING, ACCOUNT, OTHER = range(7)
RESOLVED_BY = ("agent", "bot", "none")
AGENT, BOT, NOBODY = range(3)

CONTACT_RATE = 1.0  # global multiplier on the opening probabilities (calibration knob)
CHANNEL_MIX = np.array(
    [  # by reason: phone, chat, email, social, in_store, self_service
        [0.36, 0.27, 0.13, 0.06, 0.02, 0.16],
        [0.40, 0.25, 0.20, 0.07, 0.03, 0.05],
        [0.30, 0.22, 0.20, 0.04, 0.16, 0.08],
        [0.25, 0.25, 0.15, 0.05, 0.25, 0.05],
        [0.45, 0.20, 0.25, 0.02, 0.03, 0.05],
        [0.30, 0.20, 0.15, 0.02, 0.03, 0.30],
        [0.30, 0.20, 0.20, 0.15, 0.10, 0.05],
    ]
)
BOT_SHIFT = np.array([0.25, 0.08, 0.16, 0.03, 0.06, 0.18, 0.0])  # share moved to self-service by the bot
HOURS_BY_CHANNEL = np.array([0, 1, 2, 2, 3, 2])  # profile index, see PROFILES
PROFILES = ["contact_centre", "chat", "anytime", "store"]
HANDLE_MEDIAN = np.array([330.0, 420.0, 260.0, 200.0, 240.0, 0.0])
HANDLE_BY_REASON = np.array([0.8, 1.0, 1.2, 1.05, 1.15, 0.9, 0.9])
TRANSFER_P = np.array([0.17, 0.11, 0.06, 0.05, 0.05, 0.0])
TRANSFER_BY_REASON = np.array([0.9, 1.0, 1.0, 1.1, 1.4, 1.2, 1.0])
REPEAT_P = np.array([0.21, 0.16, 0.18, 0.09, 0.12, 0.07, 0.045])


@dataclass
class Contacts:
    ts: np.ndarray  # opened, sorted; contact number = index + 1
    ticket: np.ndarray  # ticket number
    customer: np.ndarray  # -1 = anonymous
    order: np.ndarray  # order index, -1 = none
    channel: np.ndarray
    reason: np.ndarray
    wait: np.ndarray  # seconds, -1 = none
    handle: np.ndarray  # seconds, -1 = none
    transfers: np.ndarray
    resolved_by: np.ndarray
    first_response_ts: np.ndarray  # -1 = no response yet
    resolved_ts: np.ndarray  # -1 = unresolved
    agent: np.ndarray  # -1 = none
    ticket_size: np.ndarray  # contacts in the contact's ticket
    last_in_ticket: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ts)


def build_contacts(
    rng: np.random.Generator,
    orders: Orders,
    customers: Customers,
    period: Period,
    effects: Effects,
    n_agents: int,
) -> Contacts:
    op = _openers(rng, orders, customers, period, effects)
    generations = []
    current = dict(op, ticket=np.arange(len(op["reason"])), generation=np.zeros(len(op["reason"]), np.int64))
    for g in range(4):
        att = _attributes(rng, current, orders, period, effects, n_agents)
        current.update(att)
        keep = current["ts"] <= period.end_ts
        current = {k: v[keep] for k, v in current.items()}
        generations.append(current)
        if g == 3 or not len(current["ts"]):
            break
        current = _repeats(rng, current, orders, effects)
    c = {k: np.concatenate([gen[k] for gen in generations]) for k in generations[0]}

    order = np.lexsort((c["generation"], c["ts"]))
    c = {k: v[order] for k, v in c.items()}
    # Tickets are numbered in the order they were opened.
    first_seen = np.full(c["ticket"].max() + 1 if len(order) else 0, -1)
    openers = c["generation"] == 0
    first_seen[c["ticket"][openers]] = np.arange(openers.sum())
    ticket = first_seen[c["ticket"]] + 1
    size = np.bincount(ticket)[ticket]
    last = np.zeros(len(ticket), dtype=bool)
    _, last_pos = np.unique(ticket[::-1], return_index=True)
    last[len(ticket) - 1 - last_pos] = True
    return Contacts(
        c["ts"],
        ticket,
        c["customer"],
        c["order"],
        c["channel"],
        c["reason"],
        c["wait"],
        c["handle"],
        c["transfers"],
        c["resolved_by"],
        c["first_response_ts"],
        c["resolved_ts"],
        c["agent"],
        size,
        last,
    )


def _openers(rng, o: Orders, customers: Customers, period: Period, effects: Effects) -> dict[str, np.ndarray]:
    """The first contact of each ticket: reason, customer, order and the event it follows."""
    r = CONTACT_RATE
    n = o.n
    idx = np.arange(n)
    shipped = o.promised_ts >= 0
    delivered = o.delivered_ts >= 0
    overdue = shipped & ~delivered & (o.promised_ts < period.end_ts)
    on_time = shipped & delivered & ~o.late
    bopis = np.where(o.fulfillment == BOPIS, 0.5, 1.0)
    notify = effects("notify", o.promised_ts)
    parts = []

    # WISMO: anxious customers before the promise; many more after a missed promise.
    p = (
        np.select(
            [overdue, o.late, on_time],
            [0.8 * (1 - 0.3 * notify), 0.75 * (1 - 0.45 * notify), 0.22 * (1 - 0.55 * notify)],
            0.0,
        )
        * bopis
        * r
    )
    hit = rng.random(n) < p
    window = np.where(on_time, np.maximum(o.promised_ts - o.ts - 12 * 3600, 3600), 0)
    after = np.where(o.late, np.maximum(o.delivered_ts - o.promised_ts - 3600, 3 * 3600), 4 * DAY)
    event = np.where(
        on_time, o.ts + 12 * 3600 + rng.random(n) * window, o.promised_ts + 2 * 3600 + rng.random(n) * after
    )
    parts.append((ORDER_STATUS, idx[hit], event[hit]))
    # Delivery problems (damaged parcel, missed delivery), more for late ones.
    p = np.where(delivered, np.where(o.late, 0.15, 0.05), 0.0) * r
    hit = rng.random(n) < p
    parts.append((DELIVERY, idx[hit], (o.delivered_ts + 3600 + rng.random(n) * 3 * DAY)[hit]))
    # Refund chasers after a return.
    p = np.where(o.return_ts >= 0, np.where(o.channel == STORE, 0.2, 0.55), 0.0) * r
    hit = rng.random(n) < p
    parts.append((RETURN_REFUND, idx[hit], (o.return_ts + 2 * DAY + rng.random(n) * 8 * DAY)[hit]))
    # Product questions and billing queries after purchase.
    hit = rng.random(n) < 0.05 * r
    parts.append((PRODUCT, idx[hit], (o.ts + 3600 + rng.random(n) * 25 * DAY)[hit]))
    hit = (o.channel != STORE) & (rng.random(n) < 0.035 * r)
    parts.append((BILLING, idx[hit], (o.ts + DAY + rng.random(n) * 19 * DAY)[hit]))

    reason = np.concatenate([np.full(len(i), k) for k, i, _ in parts])
    order = np.concatenate([i for _, i, _ in parts])
    event = np.concatenate([e for _, _, e in parts]).astype(np.int64)
    customer = o.customer[order]

    # Account contacts: per active customer, more for members.
    c = customers
    lo = np.maximum(c.first_seen, period.start_day)
    hi = np.minimum(c.churn_day, period.end_day + 1)
    years = np.maximum(hi - lo, 0) / 365.0
    k = rng.poisson(years * np.where(c.enrolled >= 0, 0.25, 0.1) * r)
    acc_c = np.repeat(np.arange(c.n), k)
    acc_ts = (lo[acc_c] + rng.random(len(acc_c)) * (hi - lo)[acc_c]) * DAY
    # Other contacts: half anonymous, half from random buyers.
    n_other = int(round(0.08 * (len(reason) + len(acc_c))))
    oth_ts = period.start_ts + rng.random(n_other) * (period.end_ts - period.start_ts)
    oth_c = np.where(rng.random(n_other) < 0.5, -1, o.customer[rng.integers(0, n, n_other)])

    m = len(acc_c) + n_other
    return {
        "reason": np.concatenate([reason, np.full(len(acc_c), ACCOUNT), np.full(n_other, OTHER)]),
        "order": np.concatenate([order, np.full(m, -1)]),
        "customer": np.concatenate([customer, acc_c, oth_c]),
        "event_ts": np.concatenate([event, acc_ts.astype(np.int64), oth_ts.astype(np.int64)]),
    }


def _attributes(rng, c: dict, o: Orders, period: Period, effects: Effects, n_agents: int) -> dict:
    """Channel, time, queue, handling and outcome of each contact."""
    n = len(c["reason"])
    reason = c["reason"]
    ev = c["event_ts"]
    # Channel by reason; repeats escalate to the phone; the bot draws contacts into self-service.
    mix = CHANNEL_MIX[reason]
    channel = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, 5)
    channel = np.where((c["generation"] > 0) & (rng.random(n) < 0.45), PHONE, channel)
    bot = effects("bot", ev)
    assisted = (channel == PHONE) | (channel == CHAT) | (channel == EMAIL)
    channel = np.where(assisted & (rng.random(n) < BOT_SHIFT[reason] * bot), SELF_SERVICE, channel)
    # Opened within the channel's hours, after the event.
    day = ev // DAY
    ts = day * DAY + time_of_day_by(rng, HOURS_BY_CHANNEL[channel], PROFILES)
    ts = np.where(ts < ev, ts + DAY, ts)

    peak = period.peak()[np.clip(ts // DAY - period.start_day, 0, period.n_days - 1)]
    monday = ((ts // DAY + 3) % 7) == 0
    enable = effects("enablement", ts)
    routing = effects("routing", ts)
    calls = effects("callbacks", ts)
    bot = effects("bot", ts)

    u = rng.random(n)
    resolved_by = np.select(
        [channel == SELF_SERVICE, channel == CHAT],
        [np.where(u < 0.72 + 0.08 * bot, BOT, NOBODY), np.where(u < 0.08 + 0.2 * bot, BOT, AGENT)],
        AGENT,
    )
    unresolved = (resolved_by == AGENT) & (rng.random(n) < 0.06 * (1 - 0.5 * enable))
    resolved_by = np.where(unresolved, NOBODY, resolved_by)
    agent_handled = (channel != SELF_SERVICE) & (resolved_by != BOT)

    p_tr = TRANSFER_P[channel] * TRANSFER_BY_REASON[reason] * (1 - 0.42 * routing)
    transfers = np.where(agent_handled & (rng.random(n) < p_tr), 1 + (rng.random(n) < 0.25), 0)

    phone_mean = 150 * (1 + 1.1 * peak) * np.where(monday, 1.3, 1.0) * (1 - 0.4 * calls) * (1 - 0.1 * bot)
    wait_mean = np.select(
        [channel == PHONE, channel == CHAT, channel == IN_STORE],
        [phone_mean, 55 * (1 + 0.8 * peak), 110.0],
        0.0,
    )
    wait = np.round(rng.exponential(1.0, n) * wait_mean).astype(np.int64)
    wait = np.where(resolved_by == BOT, rng.integers(2, 20, n), wait)
    has_wait = np.isin(channel, (PHONE, CHAT, IN_STORE))
    wait = np.where(has_wait, wait, -1)

    handle = HANDLE_MEDIAN[channel] * HANDLE_BY_REASON[reason] * (1 - 0.08 * enable)
    handle = np.round(handle * np.exp(rng.normal(0, 0.45, n)) + 140 * transfers).astype(np.int64)
    handle = np.where(agent_handled, np.maximum(handle, 30), -1)

    written = (channel == EMAIL) | (channel == SOCIAL)
    async_delay = np.where(channel == EMAIL, 2.5 * 3600, 50 * 60) * np.exp(rng.normal(0, 0.9, n))
    async_delay = np.minimum(async_delay, 48 * 3600).astype(np.int64)
    first = np.select([has_wait, written], [ts + np.maximum(wait, 0), ts + async_delay], ts)
    follow_up = np.where(written, rng.random(n) * 30 * 3600, 0).astype(np.int64)
    resolved_ts = np.where(
        agent_handled, first + np.maximum(handle, 0) + follow_up, ts + rng.integers(60, 480, n)
    )
    open_at_end = (resolved_by != NOBODY) & (resolved_ts > period.end_ts)
    resolved_by = np.where(open_at_end, NOBODY, resolved_by)
    resolved_ts = np.where(resolved_by == NOBODY, -1, resolved_ts)
    first = np.where(first > period.end_ts, -1, first)  # not answered yet when the data was exported
    agent = np.where(agent_handled, rng.integers(0, n_agents, n), -1)
    late_order = np.where(c["order"] >= 0, o.late[np.maximum(c["order"], 0)], False)
    return {
        "channel": channel,
        "ts": ts,
        "resolved_by": resolved_by,
        "transfers": transfers,
        "wait": wait,
        "handle": handle,
        "first_response_ts": first,
        "resolved_ts": resolved_ts,
        "agent": agent,
        "late_order": late_order,
    }


def _repeats(rng, c: dict, o: Orders, effects: Effects) -> dict:
    """Repeat contacts on the same ticket and reason within 7 days."""
    reason = c["reason"]
    p = REPEAT_P[reason] * np.where(c["generation"] > 0, 0.7, 1.0)
    p = p * np.where(c["resolved_by"] == NOBODY, 2.8, 1.0) * np.where(c["transfers"] > 0, 1.35, 1.0)
    p = p * np.where(c["wait"] > 300, 1.3, 1.0)
    p = p * np.where(c["late_order"] & (reason == ORDER_STATUS), 1.5, 1.0)
    p = p * np.where(reason == ORDER_STATUS, 1 - 0.4 * effects("notify", c["ts"]), 1.0)
    agent_handled = (c["channel"] != SELF_SERVICE) & (c["resolved_by"] != BOT)
    p = p * np.where(agent_handled, 1 - 0.2 * effects("enablement", c["ts"]), 1.0)
    hit = rng.random(len(reason)) < np.minimum(p, 0.85)
    nxt = {k: c[k][hit] for k in ("reason", "order", "customer", "ticket")}
    nxt["generation"] = c["generation"][hit] + 1
    nxt["event_ts"] = c["ts"][hit] + 2 * 3600 + (rng.random(int(hit.sum())) * 6.3 * DAY).astype(np.int64)
    return nxt


def contact_ids(numbers: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    return fmt.ident("CT", numbers, 9, missing)


def render_contacts(
    c: Contacts, ids: fmt.Ids, rows: np.ndarray | None = None, columns: list[str] | None = None
) -> pl.DataFrame:
    """The text of the given contacts (all by default; only the named columns if given)."""
    rows = fmt.rows_or_all(rows, c.n)

    def at(values: np.ndarray) -> np.ndarray:
        return values[rows]

    def timestamp_or_null(ts: np.ndarray):
        return lambda: fmt.timestamp(np.maximum(at(ts), 0), at(ts) < 0)

    def integer_or_null(values: np.ndarray):
        return lambda: fmt.integer(at(values), at(values) < 0)

    return fmt.frame(
        {
            "contact_id": lambda: fmt.lookup(ids.contact, rows),
            "ticket_id": lambda: fmt.ident("TK", ids.tickets_before + at(c.ticket), 8),
            "customer_id": lambda: fmt.lookup(ids.customer, at(c.customer)),
            "order_id": lambda: fmt.lookup(ids.order, at(c.order)),
            "channel": lambda: fmt.pick(CHANNELS, at(c.channel)),
            "opened_at": lambda: fmt.timestamp(at(c.ts)),
            "first_response_at": timestamp_or_null(c.first_response_ts),
            "resolved_at": timestamp_or_null(c.resolved_ts),
            "reason": lambda: fmt.pick(REASONS, at(c.reason)),
            "handle_seconds": integer_or_null(c.handle),
            "wait_seconds": integer_or_null(c.wait),
            "transfers": lambda: fmt.integer(at(c.transfers)),
            "resolved_by": lambda: fmt.pick(RESOLVED_BY, at(c.resolved_by)),
            "agent_id": lambda: fmt.ident("AG", np.maximum(at(c.agent), 0) + 1, 4, at(c.agent) < 0),
            # The demo's repeat contacts are contacts of their own (a ticket has several), not
            # reopen counts inside one ticket as a ticket tool exports them.
            "reopens": lambda: pl.Series([None] * len(rows), dtype=pl.String),
        },
        columns,
    )
