"""Orders and order lines: who buys when, where, what, how it is fulfilled, delivered and returned.

Identified orders come from customers' tier spells (a platinum spell buys far more often than a
bronze one, and bigger baskets); anonymous orders are mostly store walk-ins. Seasonality comes
from the timeline's day weights; late deliveries rise in the November/December peak and drive
'arrived_late' returns (and, in support.py, "where is my order" contacts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import formatting as fmt
from demo.catalogue import CATEGORIES, FASHION, RETURN_BASE, Catalogue
from demo.customers import Customers
from demo.stores import REGION_WEIGHTS, REGIONS, online_store_index, pick_physical_store, store_ids
from demo.timeline import DAY, Period, sample_days, time_of_day_by, time_order, weight_between

CHANNELS = ("store", "web", "app", "marketplace", "phone")
STORE, WEB, APP, MARKETPLACE, PHONE = range(5)
FULFILLMENTS = ("in_store", "ship_to_home", "bopis", "ship_from_store")
IN_STORE, SHIP_TO_HOME, BOPIS, SHIP_FROM_STORE = range(4)
RETURN_REASONS = ("damaged", "wrong_item", "not_as_described", "arrived_late", "changed_mind", "size_fit")

# Orders a year while active, by tier level (none, bronze, silver, gold, platinum) and segment.
ORDER_RATE = np.array([1.0, 2.0, 3.6, 6.0, 11.0])
SEGMENT_RATE = np.array([0.9, 1.0, 1.12])
ANONYMOUS_ORDER_SHARE = 0.26  # anonymous orders per identified order (about 15% of lines)
CHANNEL_MIX = np.array(
    [  # by tier level: store, web, app, marketplace, phone
        [0.40, 0.34, 0.06, 0.15, 0.05],
        [0.38, 0.37, 0.12, 0.09, 0.04],
        [0.37, 0.37, 0.15, 0.08, 0.03],
        [0.36, 0.36, 0.19, 0.06, 0.03],
        [0.35, 0.35, 0.22, 0.05, 0.03],
    ]
)
STORE_DOW = np.array([0.9, 0.88, 0.9, 0.95, 1.05, 1.3, 1.15])  # store share tilt by day of week
EXTRA_LINES = np.array([1.25, 1.45, 1.7, 1.95, 2.3])  # mean lines beyond the first, by tier level
LATE_BASE, LATE_PEAK = 0.075, 0.15  # late-delivery probability: base, extra at the peak
LOST_SHARE = 0.003  # shipped orders never delivered
REASON_MIX = {  # return reasons (RETURN_REASONS order) after a late delivery, for fashion, for the rest
    "late": np.array([0.08, 0.05, 0.10, 0.45, 0.20, 0.12]),
    "fashion": np.array([0.05, 0.06, 0.14, 0.0, 0.22, 0.53]),
    "other": np.array([0.22, 0.14, 0.26, 0.0, 0.38, 0.0]),
}


@dataclass
class Orders:
    # Order level, sorted by ordered time (order number = index + 1).
    ts: np.ndarray
    customer: np.ndarray  # customer index, -1 = anonymous
    level: np.ndarray  # tier level on the order day (0 for anonymous)
    region: np.ndarray
    store: np.ndarray
    channel: np.ndarray
    fulfillment: np.ndarray
    promised_ts: np.ndarray  # -1 = none
    delivered_ts: np.ndarray  # -1 = not delivered (in-store sale, in transit or lost)
    late: np.ndarray  # delivered after the promise
    return_ts: np.ndarray  # when returned lines came back, -1 = no return
    # Line level, grouped by order.
    l_order: np.ndarray
    l_no: np.ndarray
    l_sku: np.ndarray
    l_qty: np.ndarray
    l_price: np.ndarray  # pence
    l_discount: np.ndarray  # pence
    l_returned: np.ndarray
    l_reason: np.ndarray  # index into RETURN_REASONS, -1 = none

    @property
    def n(self) -> int:
        return len(self.ts)

    @property
    def shipped(self) -> np.ndarray:
        return self.promised_ts >= 0


def build_orders(
    rng: np.random.Generator,
    customers: Customers,
    catalogue: Catalogue,
    period: Period,
    rate_scale: float = 1.0,
) -> Orders:
    w = period.order_weights()
    c = customers
    # Identified orders: a Poisson count per tier spell over the part of it inside the period
    # while the customer is active (after first sight, before churn), seasonally weighted.
    lo = np.maximum(np.maximum(c.sp_from, c.first_seen[c.sp_customer]), period.start_day) - period.start_day
    hi = np.minimum(np.minimum(c.sp_to, c.churn_day[c.sp_customer]), period.end_day + 1) - period.start_day
    cust = c.sp_customer
    rate = ORDER_RATE[c.sp_level] * SEGMENT_RATE[c.segment[cust]] * c.activity[cust] * rate_scale / 365.0
    expected = rate * weight_between(w, lo, np.maximum(hi, lo))
    per_spell = rng.poisson(expected)
    spell = np.repeat(np.arange(len(cust)), per_spell)
    day_ident = sample_days(rng, w, lo[spell], hi[spell])
    customer = cust[spell]
    level = c.sp_level[spell]

    n_anon = int(round(ANONYMOUS_ORDER_SHARE * len(spell)))
    day_anon = sample_days(rng, w, np.zeros(n_anon, np.int64), np.full(n_anon, period.n_days))
    day = np.concatenate([day_ident, day_anon])
    customer = np.concatenate([customer, np.full(n_anon, -1)])
    level = np.concatenate([level, np.zeros(n_anon, np.int64)])
    anon = customer < 0
    region = np.where(anon, rng.choice(len(REGIONS), size=len(day), p=REGION_WEIGHTS), c.region[customer])
    n = len(day)

    # Channel: tier mix tilted to stores at weekends; anonymous orders are store or marketplace.
    dow = (period.start_day + day + 3) % 7
    mix = CHANNEL_MIX[level].copy()
    mix[:, STORE] *= STORE_DOW[dow]
    mix /= mix.sum(axis=1, keepdims=True)
    channel = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, 4)
    channel = np.where(anon, np.where(rng.random(n) < 0.9, STORE, MARKETPLACE), channel)
    cal = period.calendar()
    closed = (cal["month"][day] == 12) & (cal["dom"][day] == 25)
    channel = np.where(closed & (channel == STORE), WEB, channel)

    store = online_store_index(region)
    in_store = channel == STORE
    home = ~anon & (rng.random(n) < 0.8)
    store[in_store] = pick_physical_store(rng, region[in_store])
    store[in_store & home] = c.home_store[customer[in_store & home]]
    tod = time_of_day_by(rng, (~in_store).astype(np.int64), ["store", "online"])
    ts = (period.start_day + day) * DAY + tod

    order = time_order(ts)
    ts, customer, level = ts[order], customer[order], level[order]
    region, store, channel = region[order], store[order], channel[order]
    day = (ts // DAY) - period.start_day

    fulfillment, promised_ts, delivered_ts, late = _fulfil(rng, period, ts, day, channel, level, region)
    lines = _lines(rng, catalogue, customers, customer, level, channel)
    return_ts, lines = _returns(rng, period, ts, delivered_ts, late, channel, catalogue, lines)
    lines = {k: v.astype(np.int32) for k, v in lines.items()}  # the bulk of the world: keep it compact
    return Orders(
        ts,
        customer,
        level,
        region,
        store,
        channel,
        fulfillment,
        promised_ts,
        delivered_ts,
        late,
        return_ts,
        **lines,
    )


def _fulfil(rng, period, ts, day, channel, level, region):
    n = len(ts)
    u = rng.random(n)
    fulfillment = np.select(
        [channel == STORE, channel == MARKETPLACE],
        [IN_STORE, np.where(u < 0.9, SHIP_TO_HOME, SHIP_FROM_STORE)],
        np.where(u < 0.74, SHIP_TO_HOME, np.where(u < 0.90, BOPIS, SHIP_FROM_STORE)),
    )
    shipped = fulfillment != IN_STORE
    next_day = rng.random(n) < np.where(level == 4, 0.45, 0.12)
    lead = np.select(
        [fulfillment == BOPIS, fulfillment == SHIP_FROM_STORE, next_day],
        [1, 2, 1],
        rng.choice([2, 3, 4], size=n, p=[0.2, 0.65, 0.15]),
    )
    order_day = ts // DAY
    promised_day = order_day + lead
    promised_ts = np.where(shipped, promised_day * DAY + np.where(fulfillment == BOPIS, 18, 21) * 3600, -1)

    peak = period.peak()[np.clip(day, 0, period.n_days - 1)]
    p_late = (
        (LATE_BASE + LATE_PEAK * peak)
        * np.select(
            [fulfillment == BOPIS, fulfillment == SHIP_FROM_STORE, channel == MARKETPLACE],
            [0.6, 0.8, 1.3],
            1.0,
        )
        * np.array([1.1, 1.0, 1.0, 0.85])[region]
    )
    late = shipped & (rng.random(n) < p_late)
    delay = rng.geometric(0.55, n) + (rng.random(n) < peak * 0.5)  # days late
    early = np.floor(rng.random(n) ** 2 * lead).astype(np.int64)
    delivered_day = np.where(late, promised_day + delay, promised_day - early)
    promised_hour = np.where(fulfillment == BOPIS, 18, 21)
    hour_span = np.where(late, 12, promised_hour - 8) * 3600  # on time: before the promised hour
    delivered_ts = delivered_day * DAY + 8 * 3600 + (rng.random(n) * hour_span).astype(np.int64)
    lost = rng.random(n) < LOST_SHARE
    delivered = shipped & ~lost & (delivered_ts <= period.end_ts)
    delivered_ts = np.where(delivered, delivered_ts, -1)
    return fulfillment, promised_ts, delivered_ts, late & delivered


def _lines(rng, catalogue: Catalogue, customers: Customers, customer, level, channel) -> dict:
    n = len(customer)
    extra = EXTRA_LINES[level] - np.select([channel == STORE, channel == MARKETPLACE], [0.25, 0.6], 0.0)
    n_lines = 1 + np.minimum(rng.poisson(np.maximum(extra, 0.1)), 8)
    l_order = np.repeat(np.arange(n), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    l_no = np.arange(len(l_order)) - starts[l_order] + 1
    segment = np.where(customer >= 0, customers.segment[np.maximum(customer, 0)], 1)
    premium = ((segment == 2) | (level == 4))[l_order]
    sku = catalogue.pick(rng, premium)
    qty = rng.choice([1, 2, 3, 4], size=len(l_order), p=[0.85, 0.11, 0.03, 0.01])
    return {
        "l_order": l_order,
        "l_no": l_no,
        "l_sku": sku,
        "l_qty": qty,
        "l_price": catalogue.price_pence[sku],
    }


def _returns(rng, period, ts, delivered_ts, late, channel, catalogue: Catalogue, lines: dict):
    o = lines["l_order"]
    nl = len(o)
    # Discounts: deep on sale days, occasional otherwise (member offers).
    day = np.clip(ts // DAY - period.start_day, 0, period.n_days - 1)
    promo = period.promo_days()[day][o]
    off = np.flatnonzero(rng.random(nl) < np.where(promo, 0.55, 0.08))
    deep, mild = rng.choice([0.2, 0.25, 0.3, 0.4], len(off)), rng.choice([0.1, 0.15, 0.2], len(off))
    rate = np.where(promo[off], deep, mild)
    discount = np.zeros(nl, dtype=np.int64)
    discount[off] = np.round(lines["l_qty"][off] * lines["l_price"][off] * rate)
    lines["l_discount"] = discount

    # Returns: come back 2-20 days after delivery (or purchase in store); more for late orders.
    # The export states a line's eventual return even for the last days' orders (it has no return
    # date), so the return rate of the latest month is not an artefact of the cut-off; return_ts
    # (which drives refund contacts) is only kept when it falls inside the period.
    base_ts = np.where(channel == STORE, ts, delivered_ts)
    return_ts = np.where(base_ts >= 0, base_ts + rng.integers(2 * DAY, 20 * DAY, len(ts)), -1)
    category = catalogue.category[lines["l_sku"]]
    order_factor = np.where(channel == STORE, 0.55, 1.0) * np.where(late, 2.6, 1.0) * (base_ts >= 0)
    returned = rng.random(nl) < RETURN_BASE[category] * order_factor[o]
    back = np.flatnonzero(returned)
    qty = lines["l_qty"][back]
    lines["l_returned"] = np.zeros(nl, dtype=np.int64)
    lines["l_returned"][back] = np.where(rng.random(len(back)) < 0.7, qty, 1)
    probs = np.where(
        late[o[back]][:, None],
        REASON_MIX["late"],
        np.where(FASHION[category[back]][:, None], REASON_MIX["fashion"], REASON_MIX["other"]),
    )
    reason = np.full(nl, -1)
    reason[back] = (rng.random(len(back))[:, None] > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 5)
    lines["l_reason"] = reason
    has_return = np.zeros(len(ts), dtype=bool)
    has_return[o[back]] = True
    return np.where(has_return & (return_ts <= period.end_ts), return_ts, -1), lines


def order_ids(numbers: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    return fmt.ident("ORD", numbers, 8, missing)


def render_orders(
    o: Orders,
    catalogue: Catalogue,
    ids: fmt.Ids,
    rows: np.ndarray | None = None,
    columns: list[str] | None = None,
) -> pl.DataFrame:
    """The text of the given order lines (all by default; only the named columns if given).
    Order-level text is formatted once per order of these lines, then gathered down to them."""
    rows = fmt.rows_or_all(rows, len(o.l_order))
    order = o.l_order[rows]
    sku = o.l_sku[rows]

    def per_order(texts_of):
        return lambda: fmt.per_parent(order, texts_of)

    def timestamp_or_null(ts: np.ndarray):
        return per_order(lambda i: fmt.timestamp(np.maximum(ts[i], 0), ts[i] < 0))

    reason = o.l_reason[rows]
    return fmt.frame(
        {
            "order_id": lambda: fmt.lookup(ids.order, order),
            "line_no": lambda: fmt.small_integer(o.l_no[rows]),
            "ordered_at": per_order(lambda i: fmt.timestamp(o.ts[i])),
            "store_id": lambda: fmt.pick(store_ids(), o.store[order]),
            "channel": lambda: fmt.pick(CHANNELS, o.channel[order]),
            "customer_id": lambda: fmt.lookup(ids.customer, o.customer[order]),
            "sku": lambda: fmt.gather(catalogue.codes, sku),
            "category": lambda: fmt.pick(CATEGORIES, catalogue.category[sku]),
            "quantity": lambda: fmt.small_integer(o.l_qty[rows]),
            "unit_price": lambda: fmt.gather(catalogue.price_text, sku),
            "discount": lambda: fmt.money(o.l_discount[rows]),
            "currency": lambda: pl.Series(["GBP"]).gather(pl.Series(np.zeros(len(rows), np.int64))),
            "fulfillment": lambda: fmt.pick(FULFILLMENTS, o.fulfillment[order]),
            "promised_at": timestamp_or_null(o.promised_ts),
            "delivered_at": timestamp_or_null(o.delivered_ts),
            "returned_quantity": lambda: fmt.small_integer(o.l_returned[rows]),
            "return_reason": lambda: fmt.pick(RETURN_REASONS, np.maximum(reason, 0), reason < 0),
        },
        columns,
    )
