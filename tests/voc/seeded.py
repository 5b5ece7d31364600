"""Seeded survey comments with known themes and sentiment, built in code (random.Random(18)).

Four themes (delivery, service, price, quality), each with its own words; a happy answer's comment
praises, an unhappy one's complains, so sentiment is known from the score and the theme from the
words. Customers in two regions (North, South) for the scope tests; the last month has a spike of
delivery complaints (an emerging theme)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.dashboard.seeded import write_raw

THEMES = {
    "delivery": (
        ["parcel", "courier", "delivery", "tracking", "box"],
        ["arrived late", "was lost in transit", "came a week late", "never showed up"],
        ["arrived early", "came the next day", "was well packed", "tracking was spot on"],
    ),
    "service": (
        ["agent", "support team", "call centre", "chat"],
        ["kept me on hold for ages", "never called back", "passed me around", "could not help"],
        ["solved it at once", "was kind and quick", "answered straight away", "sorted everything"],
    ),
    "price": (
        ["price", "shipping fee", "discount", "bill"],
        ["is far too expensive", "is a rip off", "went up again", "is overpriced"],
        ["is great value", "is a bargain", "is fair", "is cheaper than elsewhere"],
    ),
    "quality": (
        ["fabric", "stitching", "zip", "sole"],
        ["fell apart after a week", "broke on day two", "is cheap and flimsy", "tore at once"],
        ["feels solid", "is beautifully made", "is excellent quality", "still looks new"],
    ),
}
KEYWORDS = {
    "delivery": {"parcel", "courier", "delivery", "tracking", "box", "late", "arrived", "transit"},
    "service": {"agent", "support", "team", "call", "centre", "chat", "hold", "called"},
    "price": {"price", "fee", "discount", "bill", "expensive", "value", "bargain", "overpriced", "cheaper"},
    "quality": {"fabric", "stitching", "zip", "sole", "broke", "quality", "flimsy", "made", "apart"},
}
START = date(2026, 1, 1)
MONTHS = 6


def comment_rows(seed: int = 18, n: int = 900) -> tuple[list[dict], list[dict], dict[str, tuple[str, int]]]:
    """(survey rows, customer rows, truth: response_id -> (theme, label))."""
    rng = random.Random(seed)
    surveys, truth = [], {}
    customers = [
        {
            "customer_id": f"C{i:03d}",
            "tier": "none",
            "tier_since": date(2020, 1, 1),
            "region": "North" if i % 2 else "South",
            "segment": "consumer",
        }
        for i in range(60)
    ]
    for i in range(n):
        day = START + timedelta(days=rng.randrange(MONTHS * 30))
        theme = rng.choice(list(THEMES))
        if day >= START + timedelta(days=(MONTHS - 1) * 30) and rng.random() < 0.5:
            theme = "delivery"  # the last month's spike
        subjects, bad, good = THEMES[theme]
        happy = rng.random() < (0.3 if theme == "delivery" else 0.55)
        survey = rng.choice(["nps", "csat"])
        if survey == "nps":
            score = rng.choice([9, 10]) if happy else rng.choice([0, 2, 4, 5, 6])
        else:
            score = rng.choice([4, 5]) if happy else rng.choice([1, 2])
        opener = rng.choice(
            ["Great!", "Thanks.", "Lovely."] if happy else ["Awful.", "Very annoyed.", "Bad."]
        )
        text = f"{opener} The {rng.choice(subjects)} {rng.choice(good if happy else bad)}"
        if rng.random() < 0.4:
            text += f", and the {rng.choice(subjects)} {rng.choice(good if happy else bad)}"
        rid = f"R{i:05d}"
        surveys.append(
            {
                "response_id": rid,
                "survey": survey,
                "score": score,
                "answered_at": datetime(day.year, day.month, day.day, 12),
                "customer_id": f"C{rng.randrange(60):03d}",
                "touchpoint": rng.choice(["fulfillment", "support", "purchase"]),
                "channel": "web",
                "comment": text,
            }
        )
        truth[rid] = (theme, 1 if happy else 0)
    for i in range(n, n + 150):  # answers without a comment
        day = START + timedelta(days=rng.randrange(MONTHS * 30))
        surveys.append(
            {
                "response_id": f"R{i:05d}",
                "survey": "nps",
                "score": rng.randrange(11),
                "answered_at": datetime(day.year, day.month, day.day, 9),
                "customer_id": f"C{rng.randrange(60):03d}",
                "touchpoint": "purchase",
                "channel": "web",
            }
        )
    return surveys, customers, truth


def comments_warehouse(directory: Path, seed: int = 18) -> tuple[Path, dict]:
    """An ingest database with the seeded answers (not yet scored or built) and the truth."""
    surveys, customers, truth = comment_rows(seed)
    directory.mkdir(parents=True, exist_ok=True)
    db = write_raw(directory / "warehouse.duckdb", {"surveys": surveys, "customers": customers})
    return db, truth
