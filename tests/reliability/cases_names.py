"""Corpus cases about file names (issue 11): a file name is a path, never a pattern.

Polars and DuckDB readers take a name with [ ] * ? as a glob: `st[1].csv` read the rows of
`st1.csv`, and `x*.csv` loaded every file it matched under one name. Each case writes its file
beside the files its name would match as a pattern (same format, other keys) and checks that only
its own two rows were loaded, for every format the reader takes.
"""

from __future__ import annotations

import gzip

from tests.reliability import builders as b
from tests.reliability.outcomes import Case, Loaded, query_equals

# name (without suffix) -> the names beside it that it matches as a glob pattern
PATTERNS = {"st[1]": ("st1",), "x*": ("x1", "xa"), "q?": ("q1",), "a[!b]?*": ("ac1", "aXYZ")}

FORMATS = {
    "csv": lambda rows: b.csv_bytes(b.table("orders", rows)),
    "csv.gz": lambda rows: gzip.compress(b.csv_bytes(b.table("orders", rows))),
    "xlsx": lambda rows: b.xlsx_bytes([("Orders", b.table("orders", rows))]),
    "jsonl": lambda rows: b.frame("orders", rows).write_ndjson().encode(),
    "parquet": lambda rows: b.parquet_bytes(b.frame("orders", rows)),
}


def _tag(suffix: str, stem: str) -> str:
    return f"{suffix.replace('.', '')}_{stem}"


def _case(suffix: str, stem: str, matched: tuple[str, ...]) -> Case:
    write = FORMATS[suffix]
    others = [_tag(suffix, m) for m in matched]
    other_ids = [f"{t}-{r[0]}" for t in others for r in b.rows("orders")]
    marks = ", ".join("?" for _ in other_ids)
    return Case(
        f"name_{stem}_{suffix}",
        "orders",
        f"{stem}.{suffix}",
        lambda: write(b.rows("orders", _tag(suffix, stem))),
        Loaded(
            2,
            check=query_equals(
                f"select count(*) from raw.orders where order_id in ({marks})", [(0,)], *other_ids
            ),
        ),
        beside={f"{m}.{suffix}": write(b.rows("orders", _tag(suffix, m))) for m in matched},
    )


NAME_CASES: list[Case] = [
    _case(suffix, stem, matched) for suffix in FORMATS for stem, matched in PATTERNS.items()
]
