"""Web and app sessions with the furthest funnel step reached.

The analytics export is a consented sample: a share of web and app orders has its purchase
session (carrying the order id); abandoned carts and browsing sessions are added around them so
that conversion is ~3% and cart abandonment ~70%, lower after the basket-reminder launch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import formatting as fmt
from demo.orders import APP, WEB, Orders
from demo.roadmap import Effects
from demo.timeline import DAY, Period, sample_days, time_of_day, time_order

CHANNELS = ("web", "app")
SOURCES = ("organic", "paid_search", "email", "social", "direct", "affiliate")
STEPS = ("visit", "product_view", "add_to_cart", "checkout", "purchase")
VISIT, PRODUCT_VIEW, ADD_TO_CART, CHECKOUT, PURCHASE = range(5)
SESSIONS_PER_SCALE = 250_000
CONVERSION = 0.03
ABANDONMENT = 0.71  # before the basket reminders
BASKET_EFFECT = 0.08  # abandonment points removed at full effect
# Traffic source mix of purchase sessions and of the others (email and direct convert best).
SOURCE_PURCHASE = np.array([0.26, 0.24, 0.18, 0.06, 0.21, 0.05])
SOURCE_BROWSE = np.array([0.31, 0.25, 0.09, 0.17, 0.12, 0.06])


@dataclass
class Sessions:
    ts: np.ndarray  # started, sorted
    channel: np.ndarray  # 0 web, 1 app
    customer: np.ndarray  # -1 = not logged in
    source: np.ndarray
    step: np.ndarray
    order: np.ndarray  # -1 = none

    @property
    def n(self) -> int:
        return len(self.ts)


def build_sessions(
    rng: np.random.Generator, orders: Orders, period: Period, effects: Effects, scale: float
) -> Sessions:
    o = orders
    target = SESSIONS_PER_SCALE * scale
    online = np.flatnonzero((o.channel == WEB) | (o.channel == APP))
    # Purchase sessions: a sample of web and app orders, started minutes before the order.
    share = min(1.0, CONVERSION * target / max(len(online), 1))
    bought = online[rng.random(len(online)) < share]
    p_ts = o.ts[bought] - rng.integers(3 * 60, 45 * 60, len(bought))

    # Abandoned carts (add_to_cart or checkout, no purchase): as many as keep abandonment at its
    # level of the day; drawn on the purchase sessions' days, thinned after the basket reminders.
    ratio_max = ABANDONMENT / (1 - ABANDONMENT)
    k = rng.poisson(ratio_max, len(bought))
    src = np.repeat(np.arange(len(bought)), k)
    a_ts = (p_ts[src] // DAY + rng.integers(-3, 4, len(src))) * DAY + time_of_day(rng, len(src), "online")
    abandon = ABANDONMENT - BASKET_EFFECT * effects("basket", a_ts)
    keep = rng.random(len(src)) < (abandon / (1 - abandon)) / ratio_max
    keep &= (a_ts >= period.start_ts) & (a_ts <= period.end_ts)
    a_ts = a_ts[keep]

    # Browsing sessions (visit, product view) make up the rest.
    n_browse = max(int(round(target)) - len(bought) - len(a_ts), 0)
    w = period.order_weights()
    day = sample_days(rng, w, np.zeros(n_browse, np.int64), np.full(n_browse, period.n_days))
    b_ts = (period.start_day + day) * DAY + time_of_day(rng, n_browse, "online")

    # Only the times, the kind of session and the order are sorted; the other attributes are
    # independent draws, made after sorting (row order does not matter to them, and it saves
    # shuffling several arrays of millions of rows).
    ts = np.concatenate([p_ts, a_ts, b_ts])
    kind = np.concatenate(
        [
            np.full(len(bought), PURCHASE, np.int8),
            np.full(len(a_ts), ADD_TO_CART, np.int8),
            np.full(n_browse, VISIT, np.int8),
        ]
    )
    order = np.concatenate([bought, np.full(len(a_ts) + n_browse, -1)]).astype(np.int32)
    keep = ts >= period.start_ts
    idx = np.flatnonzero(keep)[time_order(ts[keep])]
    ts, kind, order = ts[idx], kind[idx], order[idx]
    n = len(ts)
    bought_here = np.flatnonzero(order >= 0)
    carts, browse = np.flatnonzero(kind == ADD_TO_CART), np.flatnonzero(kind == VISIT)
    step = kind
    step[carts] = np.where(rng.random(len(carts)) < 0.45, CHECKOUT, ADD_TO_CART)
    step[browse] = np.where(rng.random(len(browse)) < 0.42, PRODUCT_VIEW, VISIT)
    channel = (rng.random(n) < 0.38).astype(np.int8)
    channel[bought_here] = o.channel[order[bought_here]] == APP
    source = rng.choice(len(SOURCES), n, p=SOURCE_BROWSE).astype(np.int8)
    source[bought_here] = rng.choice(len(SOURCES), len(bought_here), p=SOURCE_PURCHASE)

    # Logged-in sessions belong to a customer who buys around then (app users mostly log in);
    # purchase sessions to the order's customer. (Sorted times make the lookup cache-friendly.)
    customer = np.full(n, -1, dtype=np.int32)
    logged_in = np.flatnonzero(rng.random(n) < np.where(channel == 1, 0.85, 0.3))
    near = np.searchsorted(o.ts, ts[logged_in]) + rng.integers(-300, 300, len(logged_in))
    customer[logged_in] = o.customer[np.clip(near, 0, o.n - 1)]
    customer[bought_here] = o.customer[order[bought_here]]
    return Sessions(ts, channel, customer, source, step, order)


def render_sessions(
    s: Sessions, ids: fmt.Ids, rows: np.ndarray | None = None, columns: list[str] | None = None
) -> pl.DataFrame:
    """The text of the given sessions (all by default; only the named columns if given)."""
    rows = fmt.rows_or_all(rows, s.n)
    return fmt.frame(
        {
            "session_id": lambda: fmt.ident("SE", ids.sessions_before + rows + 1, 10),
            "started_at": lambda: fmt.timestamp(s.ts[rows]),
            "channel": lambda: fmt.pick(CHANNELS, s.channel[rows]),
            "customer_id": lambda: fmt.lookup(ids.customer, s.customer[rows]),
            "source": lambda: fmt.pick(SOURCES, s.source[rows]),
            "furthest_step": lambda: fmt.pick(STEPS, s.step[rows]),
            "order_id": lambda: fmt.lookup(ids.order, s.order[rows]),
        },
        columns,
    )
