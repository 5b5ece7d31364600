"""Customers and their loyalty-tier history (one row per tier spell).

Members enrol as bronze and some climb to silver, gold and platinum over time; a few are later
downgraded one level; some members bought as non-members ("none") before enrolling. Every
customer also has a region, a segment, a home store, an activity level and, for some, a churn day
after which they stop buying (lower tiers churn more).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from demo import formatting as fmt
from demo.stores import REGION_WEIGHTS, REGIONS, pick_physical_store
from demo.timeline import Period, epoch_day

TIER_NAMES = ("none", "bronze", "silver", "gold", "platinum")  # level 0..4
FINAL_TIER_SHARE = np.array([0.35, 0.35, 0.17, 0.09, 0.04])
SEGMENTS = ("budget", "mainstream", "premium")
SEGMENT_BY_TIER = np.array(
    [
        [0.42, 0.45, 0.13],
        [0.38, 0.46, 0.16],
        [0.28, 0.47, 0.25],
        [0.20, 0.45, 0.35],
        [0.14, 0.40, 0.46],
    ]
)
ACQUIRED_IN_PERIOD = np.array([0.32, 0.30, 0.14, 0.07, 0.03])  # by final tier
CHURN_IN_PERIOD = np.array([0.30, 0.22, 0.12, 0.07, 0.04])  # by final tier
DOWNGRADE_SHARE = 0.10  # of bronze/silver/gold members: were one tier higher, then downgraded
NONE_BEFORE_ENROL = 0.40  # of members acquired in the period: bought as non-members first
FIRST_CUSTOMER_DAY = epoch_day(date(2016, 1, 1))
OPEN_END = 10**7  # an epoch day far in the future: "still current"
MAX_SPELLS = 6


@dataclass
class Customers:
    number: np.ndarray  # 1..n, the id's number
    region: np.ndarray  # index into REGIONS
    segment: np.ndarray  # index into SEGMENTS
    final_level: np.ndarray
    first_seen: np.ndarray  # epoch day
    enrolled: np.ndarray  # epoch day, -1 for non-members
    churn_day: np.ndarray  # epoch day from which the customer buys no more (OPEN_END: never)
    activity: np.ndarray  # personal purchase-rate multiplier
    home_store: np.ndarray  # physical store index
    phone: np.ndarray  # last digits of a fictional number, -1 = none
    has_email: np.ndarray
    opt_in: np.ndarray
    # Tier spells, sorted by customer then from-day.
    sp_customer: np.ndarray
    sp_level: np.ndarray
    sp_from: np.ndarray  # epoch day
    sp_to: np.ndarray  # epoch day (exclusive): the next spell's from-day, or OPEN_END

    @property
    def n(self) -> int:
        return len(self.number)

    def level_at(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Tier level each (customer index, epoch day) held on that day (0 before the first spell)."""
        key = self.sp_customer.astype(np.int64) * OPEN_END + self.sp_from
        q = np.asarray(customer, dtype=np.int64) * OPEN_END + np.asarray(day, dtype=np.int64)
        pos = np.searchsorted(key, q, side="right") - 1
        pos_clipped = np.clip(pos, 0, len(key) - 1)
        valid = (pos >= 0) & (self.sp_customer[pos_clipped] == customer)
        return np.where(valid, self.sp_level[pos_clipped], 0)


def build_customers(rng: np.random.Generator, n: int, period: Period) -> Customers:
    final = rng.choice(5, size=n, p=FINAL_TIER_SHARE)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    cum = SEGMENT_BY_TIER.cumsum(axis=1)[final]
    segment = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 2)

    start, end = period.start_day, period.end_day
    acquired = rng.random(n) < ACQUIRED_IN_PERIOD[final]
    first_seen = np.where(
        acquired,
        start + rng.integers(0, max(period.n_days - 45, 1), n),
        FIRST_CUSTOMER_DAY + rng.integers(0, max(start - FIRST_CUSTOMER_DAY, 1), n),
    )
    member = final > 0
    none_first = member & acquired & (rng.random(n) < NONE_BEFORE_ENROL)
    enrolled = np.where(none_first, first_seen + rng.integers(20, 200, n), first_seen)
    none_first &= enrolled <= end - 10
    enrolled = np.where(none_first, enrolled, first_seen)
    enrolled = np.where(member, enrolled, -1)

    down = member & (final < 4) & (rng.random(n) < DOWNGRADE_SHARE)
    spells = _spells(rng, final, down, none_first, first_seen, enrolled, end)

    churn_day = np.full(n, OPEN_END, dtype=np.int64)
    churns = rng.random(n) < CHURN_IN_PERIOD[final]
    lo = np.maximum(first_seen, start) + 30
    span = np.maximum(end - lo[churns], 1)
    churn_day[churns] = lo[churns] + (rng.random(churns.sum()) * span).astype(np.int64)

    phone = np.where(rng.random(n) < 0.8, rng.integers(0, 1000, n), -1)
    opt_in = rng.random(n) < np.where(member, 0.66, 0.34)
    return Customers(
        number=np.arange(1, n + 1),
        region=region,
        segment=segment,
        final_level=final,
        first_seen=first_seen,
        enrolled=enrolled,
        churn_day=churn_day,
        activity=rng.gamma(2.5, 1 / 2.5, n),
        home_store=pick_physical_store(rng, region),
        phone=phone,
        has_email=rng.random(n) < 0.95,
        opt_in=opt_in,
        **spells,
    )


def _spells(rng, final, down, none_first, first_seen, enrolled, end) -> dict[str, np.ndarray]:
    """Tier paths as a padded matrix (customers x MAX_SPELLS), flattened to spell rows."""
    n = len(final)
    col = np.arange(MAX_SPELLS)[None, :]
    # Member path without the optional leading 'none': 1, 2, ..., top (, top - 1 when downgraded).
    top = final + down
    n_member = np.where(final > 0, top + down, 0)
    levels = np.minimum(col + 1, top[:, None])
    levels = np.where(down[:, None] & (col == top[:, None]), top[:, None] - 1, levels)
    # Non-members hold 'none' from first sight; members with a none-first history get it prepended.
    shift = none_first.astype(np.int64)
    shifted = np.take_along_axis(levels, np.clip(col - shift[:, None], 0, None), 1)
    levels = np.where(col < shift[:, None], 0, shifted)
    levels[final == 0, 0] = 0
    count = np.where(final > 0, n_member + shift, 1)

    # Dates: the first spell at first sight (or enrolment), the enrolment after a none-first spell,
    # then the tier changes at sorted random days between enrolment + 30 and the end.
    lo = enrolled + 30
    hi = np.maximum(end - 3, lo + 1)
    first_change = 1 + shift  # column of the first tier change
    u = rng.random((n, MAX_SPELLS))
    u[col >= (count - first_change)[:, None]] = np.inf  # only as many draws as changes, sorted first
    u = np.sort(u, axis=1)
    changes = (lo[:, None] + np.where(np.isfinite(u), u, 1.0) * (hi - lo)[:, None]).astype(np.int64)
    dates = np.take_along_axis(changes, np.clip(col - first_change[:, None], 0, MAX_SPELLS - 1), 1)
    dates[:, 0] = first_seen
    dates = np.where((col == 1) & none_first[:, None], enrolled[:, None], dates)
    for j in range(1, MAX_SPELLS):  # strictly increasing days: the key is (customer, tier_since)
        dates[:, j] = np.maximum(dates[:, j], dates[:, j - 1] + 1)
    keep = (col < count[:, None]) & (dates <= end)
    cust_idx = np.broadcast_to(np.arange(n)[:, None], keep.shape)[keep]
    sp_from = dates[keep]
    sp_to = np.where(np.roll(cust_idx, -1) == cust_idx, np.roll(sp_from, -1), OPEN_END)
    sp_to[-1] = OPEN_END
    return {"sp_customer": cust_idx, "sp_level": levels[keep], "sp_from": sp_from, "sp_to": sp_to}


def customer_ids(numbers: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    return fmt.ident("C", numbers, 7, missing)


def render_customers(
    c: Customers, id_texts: fmt.Ids, rows: np.ndarray | None = None, columns: list[str] | None = None
) -> pl.DataFrame:
    """The text of the given tier spells (all by default; only the named columns if given)."""
    rows = fmt.rows_or_all(rows, len(c.sp_customer))
    i = c.sp_customer[rows]
    member = c.enrolled[i] >= 0

    def email() -> pl.Series:
        address = pl.select(pl.lit(fmt.lookup(id_texts.customer, i)).str.to_lowercase() + "@example.com")
        return fmt.masked(address.to_series(), ~c.has_email[i])

    return fmt.frame(
        {
            "customer_id": lambda: fmt.lookup(id_texts.customer, i),
            "tier": lambda: fmt.pick(TIER_NAMES, c.sp_level[rows]),
            "tier_since": lambda: fmt.date_text(c.sp_from[rows]),
            "enrolled_at": lambda: fmt.date_text(np.where(member, c.enrolled[i], 0), ~member),
            "region": lambda: fmt.pick(REGIONS, c.region[i]),
            "segment": lambda: fmt.pick(SEGMENTS, c.segment[i]),
            "email": email,
            "phone": lambda: fmt.ident("+447700900", c.phone[i].clip(0), 3, c.phone[i] < 0),
            "marketing_opt_in": lambda: fmt.boolean(c.opt_in[i]),
        },
        columns,
    )
