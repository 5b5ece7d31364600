"""Survey answers (NPS 0-10, CSAT 1-5, CES 1-7) after purchases, deliveries and support tickets.

Each answer comes from a latent satisfaction: higher for higher tiers, lower after a late delivery,
a repeat contact, a transfer, a long wait or an unresolved ticket; associate enablement lifts
support answers after its launch. Comments come from templates matching the score and, for
unhappy answers, the cause (a late delivery, a repeat contact, a long wait ...), in varied wording,
some with an e-mail address or phone number typed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import formatting as fmt
from demo.customers import Customers
from demo.orders import CHANNELS as ORDER_CHANNELS
from demo.orders import STORE, Orders
from demo.roadmap import Effects
from demo.support import BOT, NOBODY, RETURN_REFUND, SELF_SERVICE, Contacts
from demo.support import CHANNELS as CONTACT_CHANNELS
from demo.timeline import DAY, Period

SURVEYS = ("nps", "csat", "ces")
NPS, CSAT, CES = range(3)
TOUCHPOINTS = ("awareness", "consideration", "purchase", "fulfillment", "support")
AWARENESS, CONSIDERATION, PURCHASE, FULFILLMENT, SUPPORT = range(5)
TIER_Z = np.array([-0.2, 0.0, 0.15, 0.3, 0.55])
TOUCHPOINT_Z = np.array([0.05, 0.05, 0.15, 0.05, -0.2])
BASE_Z = 0.2
RELATIONSHIP_PER_CUSTOMER = 0.3  # relationship NPS answers per customer over the period

# Comment templates per theme: a comment is an opener of its tone, then one or two sentences of
# its theme, so themes and sentiment carry the answer's signal (a late delivery -> a delivery
# complaint, a repeat contact or a long wait -> service) in varied wording.
COMMENTS = {
    "positive": [
        "Great service, thank you",
        "Really easy, will shop again",
        "Staff were friendly and helpful",
        "Quick and simple",
        "Love the quality of the products",
        "Excellent value for money",
        "The fabric feels lovely and the fit is perfect",
        "Best prices I found anywhere",
    ],
    "positive_fulfillment": [
        "Arrived earlier than expected",
        "Delivery was quick and well packed",
        "Tracking updates were spot on",
        "The courier was on time and polite",
        "Parcel came the next day in perfect condition",
    ],
    "positive_support": [
        "The agent sorted it out straight away",
        "Quick answer, problem solved",
        "The chat assistant found my order in seconds",
        "Support replied fast and was kind",
        "One call and the issue was fixed",
    ],
    "neutral": [
        "It was fine",
        "OK but could be quicker",
        "Average experience",
        "Prices are a bit high",
        "Website was a bit slow",
        "Nothing special, it does the job",
        "Checkout took a few tries",
    ],
    "negative": [
        "Not impressed",
        "Item not as described",
        "Could not find my size",
        "The product broke after a week",
        "Poor quality stitching, it fell apart",
        "The colour was nothing like the photos",
    ],
    "negative_price": [
        "Too expensive for the quality",
        "Prices went up again, cheaper elsewhere",
        "Shipping fees are far too high",
        "Overpriced compared with other shops",
    ],
    "negative_late": [
        "My parcel arrived late",
        "Delivery was days late and nobody told me",
        "Missed the delivery date I was promised",
        "The courier never came, the parcel was late",
        "Tracking said out for delivery for three days, it arrived a week late",
    ],
    "negative_repeat": [
        "Had to contact you several times about the same thing",
        "I called three times and had to explain everything again each time",
        "Still chasing the same issue after several contacts",
    ],
    "negative_transfer": [
        "Was passed from one person to another",
        "Transferred between departments, nobody owned it",
    ],
    "negative_wait": [
        "Waited far too long to get through",
        "On hold for ages before anyone answered",
        "Slow replies, days before an answer to my email",
    ],
    "negative_unresolved": [
        "Nobody solved my problem",
        "The agent could not help and the issue is still open",
    ],
    "negative_refund": ["Still waiting for my refund", "The refund for my return has not arrived"],
}
OPENERS = {
    "good": ["", "", "Happy overall. ", "Very pleased! ", "Thanks! "],
    "neutral": ["", "", "Hmm. ", "Mixed feelings. "],
    "bad": ["", "", "Really disappointed. ", "Terrible. ", "Not happy. ", "Awful experience. "],
}
CONTACT_DETAILS = [
    " Call me on 020 7946 0{:03d}.",
    " Email me at customer{:03d}@example.com please.",
    " My number is +44 7700 900{:03d}.",
    " Reply to shopper.{:03d}@example.org",
]
CONTACT_SHARE = 0.03  # of comments, with the respondent's e-mail or phone typed in (masked at ingest)


@dataclass
class Responses:
    ts: np.ndarray  # answered, sorted
    survey: np.ndarray
    score: np.ndarray
    customer: np.ndarray  # -1 = none
    order: np.ndarray  # -1 = none
    contact: np.ndarray  # contact index, -1 = none
    touchpoint: np.ndarray
    channel: pl.Series  # text (order or contact channel), null = none
    comment: pl.Series

    @property
    def n(self) -> int:
        return len(self.ts)


def build_surveys(
    rng: np.random.Generator,
    orders: Orders,
    contacts: Contacts,
    customers: Customers,
    period: Period,
    effects: Effects,
) -> Responses:
    o, ct = orders, contacts
    parts = []
    # After a purchase (store: at the till; online: checkout effort) and after a delivery.
    known = o.customer >= 0
    idx = np.arange(o.n)
    store = o.channel == STORE
    hit = known & store & (rng.random(o.n) < 0.06)
    parts.append(
        _part(
            idx[hit],
            PURCHASE,
            o.ts[hit] + 2 * 3600 + rng.random(hit.sum()) * 3 * DAY,
            rng.choice([NPS, CSAT], hit.sum(), p=[0.45, 0.55]),
        )
    )
    hit = known & ~store & (rng.random(o.n) < 0.03)
    parts.append(
        _part(
            idx[hit],
            PURCHASE,
            o.ts[hit] + 600 + rng.random(hit.sum()) * DAY,
            rng.choice([CSAT, CES], hit.sum(), p=[0.5, 0.5]),
        )
    )
    delivered = known & (o.delivered_ts >= 0)
    hit = delivered & (rng.random(o.n) < np.where(o.late, 0.13, 0.09))
    answered = o.delivered_ts[hit] + 3 * 3600 + rng.random(hit.sum()) * 4 * DAY
    kind = rng.choice([NPS, CSAT, CES], hit.sum(), p=[0.25, 0.55, 0.2])
    parts.append(_part(idx[hit], FULFILLMENT, answered, kind))
    # Relationship NPS from recent buyers (awareness / consideration).
    k = int(round(RELATIONSHIP_PER_CUSTOMER * customers.n))
    src = np.flatnonzero(known)[rng.integers(0, max(known.sum(), 1), k)] if known.any() else np.zeros(0, int)
    rel = _part(
        src,
        np.where(rng.random(len(src)) < 0.35, AWARENESS, CONSIDERATION),
        o.ts[src] + 10 * DAY + rng.random(len(src)) * 50 * DAY,
        np.full(len(src), NPS),
    )
    rel["relationship"] = np.ones(len(src), dtype=bool)
    parts.append(rel)
    for p in parts[:-1]:
        p["relationship"] = np.zeros(len(p["order"]), dtype=bool)
    r = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    r["contact"] = np.full(len(r["order"]), -1)

    # After a support ticket: its last contact.
    last = np.flatnonzero(ct.last_in_ticket)
    last = last[rng.random(len(last)) < np.where(ct.customer[last] >= 0, 0.3, 0.12)]
    base = np.where(ct.resolved_ts[last] >= 0, ct.resolved_ts[last], ct.ts[last])
    sup = {
        "order": ct.order[last],
        "touchpoint": np.full(len(last), SUPPORT),
        "ts": (base + 3600 + rng.random(len(last)) * 2 * DAY).astype(np.int64),
        "survey": rng.choice([CSAT, CES], len(last), p=[0.55, 0.45]),
        "relationship": np.zeros(len(last), dtype=bool),
        "contact": last,
    }
    r = {key: np.concatenate([r[key], sup[key]]) for key in r}
    keep = r["ts"] <= period.end_ts
    r = {key: v[keep] for key, v in r.items()}
    order = np.argsort(r["ts"], kind="stable")
    r = {key: v[order] for key, v in r.items()}
    return _score(rng, r, o, ct, customers, effects)


def _part(order_idx, touchpoint, ts, survey) -> dict:
    n = len(order_idx)
    return {
        "order": order_idx,
        "touchpoint": np.broadcast_to(touchpoint, (n,)).copy(),
        "ts": np.asarray(ts).astype(np.int64),
        "survey": survey,
    }


def _score(rng, r: dict, o: Orders, ct: Contacts, customers: Customers, effects: Effects) -> Responses:
    n = len(r["ts"])
    contact = r["contact"]
    has_contact = contact >= 0
    ci = np.maximum(contact, 0)
    order = r["order"]
    has_order = order >= 0
    oi = np.maximum(order, 0)
    customer = np.where(has_contact, ct.customer[ci], np.where(has_order, o.customer[oi], -1))
    level = np.where(customer >= 0, customers.level_at(np.maximum(customer, 0), r["ts"] // DAY), 0)
    late = has_order & o.late[oi]
    tp = r["touchpoint"]
    # Causes of an unhappy support answer, in the order a comment names them.
    repeat = has_contact & (ct.ticket_size[ci] > 1)
    transfer = has_contact & (ct.transfers[ci] > 0)
    long_wait = has_contact & (ct.wait[ci] > 300)
    unresolved = has_contact & (ct.resolved_by[ci] == NOBODY)
    agent = has_contact & (ct.channel[ci] != SELF_SERVICE) & (ct.resolved_by[ci] != BOT)
    refund = has_contact & (ct.reason[ci] == RETURN_REFUND)

    z = BASE_Z + TIER_Z[level] + TOUCHPOINT_Z[tp] + rng.normal(0, 1, n)
    z -= np.where(late & ((tp == FULFILLMENT) | r["relationship"]), np.where(tp == FULFILLMENT, 1.3, 0.5), 0)
    z -= np.where(repeat, 0.6 * np.minimum(ct.ticket_size[ci] - 1, 2), 0)
    z -= 0.4 * transfer + 0.35 * long_wait + 1.0 * unresolved
    z += np.where(agent, 0.25 * effects("enablement", r["ts"]), 0)
    z += np.where(tp == FULFILLMENT, 0.15 * effects("notify", r["ts"]) * late, 0)

    survey = r["survey"]
    score = np.select(
        [survey == NPS, survey == CSAT],
        [np.clip(np.round(7.6 + 2.0 * z), 0, 10), np.clip(np.round(4.2 + 1.0 * z), 1, 5)],
        np.clip(np.round(5.0 + 1.35 * z), 1, 7),
    ).astype(np.int64)
    good = np.select([survey == NPS, survey == CSAT], [score >= 9, score >= 4], score >= 6)
    bad = np.select([survey == NPS, survey == CSAT], [score <= 6, score <= 2], score <= 3)

    contact_channel = fmt.pick(CONTACT_CHANNELS, ct.channel[ci])
    order_channel = fmt.pick(ORDER_CHANNELS, o.channel[oi])
    channel = pl.select(
        pl.when(pl.lit(pl.Series(has_contact)))
        .then(pl.lit(contact_channel))
        .when(pl.lit(pl.Series(has_order & ~r["relationship"])))
        .then(pl.lit(order_channel))
        .otherwise(None)
    ).to_series()
    comment = _comments(rng, good, bad, tp, late, repeat, transfer, long_wait, unresolved, refund)
    # Relationship answers name the customer only; support answers the ticket's order if any.
    order_out = np.where(r["relationship"], -1, order)
    return Responses(r["ts"], survey, score, customer, order_out, contact, tp, channel, comment)


def _comments(rng, good, bad, tp, late, repeat, transfer, long_wait, unresolved, refund) -> pl.Series:
    n = len(good)
    price = rng.random(n) < 0.35  # of the unhappy answers with no operational cause, a price complaint
    group = np.select(
        [
            good & (tp == FULFILLMENT),
            good & (tp == SUPPORT),
            good,
            bad & late,
            bad & repeat,
            bad & transfer,
            bad & long_wait,
            bad & unresolved,
            bad & refund,
            bad & price,
            bad,
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        11,
    )
    names = [
        "positive_fulfillment",
        "positive_support",
        "positive",
        "negative_late",
        "negative_repeat",
        "negative_transfer",
        "negative_wait",
        "negative_unresolved",
        "negative_refund",
        "negative_price",
        "negative",
        "neutral",
    ]
    # a tenth of comments say something lukewarm whatever the score (as people do), so a comment's
    # words predict its score well but not perfectly
    lukewarm = rng.random(n) < 0.1
    group = np.where(lukewarm, 11, group)
    tone = np.where(lukewarm, 1, np.where(good, 0, np.where(bad, 2, 1)))
    has = rng.random(n) < np.where(bad, 0.55, 0.3)
    picks, second, opener, detail = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    out: list[str | None] = [None] * n
    for i in np.flatnonzero(has):
        texts = COMMENTS[names[group[i]]]
        text = texts[int(picks[i] * len(texts))]
        if second[i] < 0.3 and len(texts) > 1:  # a second sentence of the same theme
            first = int(picks[i] * len(texts))
            other = texts[(first + 1 + int(second[i] * 10) % (len(texts) - 1)) % len(texts)]
            text = f"{text}. {other}"
        openers = OPENERS[("good", "neutral", "bad")[tone[i]]]
        text = openers[int(opener[i] * len(openers))] + text
        if detail[i] < CONTACT_SHARE:
            text += "" if text.endswith((".", "!")) else "."
            text += CONTACT_DETAILS[int(detail[i] / CONTACT_SHARE * len(CONTACT_DETAILS))].format(i % 1000)
        out[i] = text
    return pl.Series(out, dtype=pl.String)


def response_ids(numbers: np.ndarray) -> pl.Series:
    return fmt.ident("R", numbers, 9)


def render_surveys(
    r: Responses, ids: fmt.Ids, rows: np.ndarray | None = None, columns: list[str] | None = None
) -> pl.DataFrame:
    """The text of the given responses (all by default; only the named columns if given)."""
    rows = fmt.rows_or_all(rows, r.n)
    return fmt.frame(
        {
            "response_id": lambda: response_ids(ids.responses_before + rows + 1),
            "survey": lambda: fmt.pick(SURVEYS, r.survey[rows]),
            "score": lambda: fmt.integer(r.score[rows]),
            "answered_at": lambda: fmt.timestamp(r.ts[rows]),
            "customer_id": lambda: fmt.lookup(ids.customer, r.customer[rows]),
            "order_id": lambda: fmt.lookup(ids.order, r.order[rows]),
            "contact_id": lambda: fmt.lookup(ids.contact, r.contact[rows]),
            "touchpoint": lambda: fmt.pick(TOUCHPOINTS, r.touchpoint[rows]),
            "channel": lambda: fmt.gather(r.channel, rows),
            "comment": lambda: fmt.gather(r.comment, rows),
        },
        columns,
    )
