"""Corpus cases about files that are mostly bad rows (issue 11): refused early and whole.

A file is refused when, once `error_share_min_rows` rows are read, more than CX_MAX_ERROR_SHARE
(50%) of its rows break a rule other than duplicate_key and not_a_fact. The cases lower the
minimum from 10,000 rows to MIN_ROWS (an option of ingest_paths), so each file stays small.
"""

from __future__ import annotations

import gzip

from tests.reliability import builders as b
from tests.reliability.outcomes import Case, Loaded, Refused

MIN_ROWS = 50
OPTIONS = {"error_share_min_rows": MIN_ROWS}
SHARE = "more than the 50% a file may have once 50 rows are read (CX_MAX_ERROR_SHARE"
RETAIL_HEADER = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
]


def orders(tag: str, good: int, bad: int, bad_first: bool = False) -> list[list[str]]:
    """`good` valid order lines and `bad` ones with an unparseable quantity, keys tagged new."""
    ok = [b.variant("orders", f"{tag}-g{i}") for i in range(good)]
    broken = [b.variant("orders", f"{tag}-b{i}", quantity="lots") for i in range(bad)]
    return broken + ok if bad_first else ok + broken


def _retail(lines: int, postage: int) -> bytes:
    """Online Retail lines, `postage` of them POST lines (not facts: a vendor's postage charge)."""
    rows = [
        [
            f"ss{i}",
            "POST" if i < postage else "85123A",
            "POSTAGE",
            "1",
            "2011-03-10 16:16:00",
            "18.00",
            "17850",
        ]
        for i in range(lines)
    ]
    return b.csv_bytes([RETAIL_HEADER, *rows])


SHARE_CASES: list[Case] = [
    Case(
        "mostly_bad_rows_refused_by_their_start",
        "orders",
        "orders_mostly_bad.csv",
        lambda: b.csv_bytes(b.table("orders", orders("mb1", 10, 190, bad_first=True))),
        Refused(("mostly bad rows: 50 of its first 50 rows break a rule (unparseable_integer: 50)", SHARE)),
        options=OPTIONS,
    ),
    Case(
        "mostly_bad_gzip_refused_by_its_start",
        "orders",
        "orders_mostly_bad.csv.gz",
        lambda: gzip.compress(b.csv_bytes(b.table("orders", orders("mb2", 20, 80)))),
        Refused(("mostly bad rows: 30 of its first 50 rows break a rule (unparseable_integer: 30)", SHARE)),
        options=OPTIONS,
    ),
    Case(
        "bad_rows_after_a_good_start_refused_by_the_whole_file",
        "orders",
        "orders_bad_later.csv",
        lambda: b.csv_bytes(b.table("orders", orders("mb3", 50, 60))),
        Refused(
            (
                "mostly bad rows: at least 60 of its 110 rows break a rule",
                "(in up to 10,000 of them: unparseable_integer: 60)",
                SHARE,
                "nothing of it was loaded",
            )
        ),
        options=OPTIONS,
    ),
    Case(
        "half_bad_rows_are_not_more_than_half",
        "orders",
        "orders_half_bad.csv",
        lambda: b.csv_bytes(b.table("orders", orders("mb4", 30, 30))),  # 20 of the first 50, 30 of 60
        Loaded(30, {"unparseable_integer": 30}),
        options=OPTIONS,
    ),
    Case(
        "mostly_duplicate_keys_are_not_errors",  # an overlapping export: its rows repeat
        "orders",
        "orders_overlapping.csv",
        lambda: b.csv_bytes(b.table("orders", orders("mb5", 2, 0) * 40)),
        Loaded(2, {"duplicate_key": 78}),
        options=OPTIONS,
    ),
    Case(
        "mostly_not_a_fact_rows_are_not_errors",  # a vendor's postage lines
        "orders",
        "online_retail_postage.csv",
        lambda: _retail(100, 90),
        Loaded(10, {"not_a_fact": 90}),
        options=OPTIONS,
    ),
    Case(
        "a_share_of_one_never_refuses",
        "orders",
        "orders_all_bad.csv",
        lambda: b.csv_bytes(b.table("orders", orders("mb6", 0, 60))),
        Loaded(0, {"unparseable_integer": 60}),
        options={**OPTIONS, "max_error_share": 1.0},
    ),
]
