"""Hostile files (issue 11), beyond the corpus: a warehouse folder named like a pattern.

The corpus (cases_names.py) covers export names with [ ] * ?; here the warehouse's own folder
and name hold them, as the scratch folder with the stage files DuckDB reads sits beside it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from cli.settings import Settings
from ingest.run import ingest_paths
from tests.ingest.exports import SALT, query
from tests.reliability import builders as b

SETTINGS = Settings(pii_salt=SALT)


def test_issue_11_a_warehouse_folder_named_like_a_pattern(tmp_path: Path):
    db = tmp_path / "wh[1]*" / "w[1].duckdb"  # (DuckDB itself cannot open a database path with ?)
    db.parent.mkdir()
    # the scratch folder a killed ingest of another warehouse (w1.duckdb) left, which the
    # pattern .w[1].duckdb.ingest-* would match: not this warehouse's to remove
    other = db.parent / ".w1.duckdb.ingest-20260101T000000Z-0badcafe"
    other.mkdir()
    exports = tmp_path / "exports"
    exports.mkdir()
    files = {
        "orders.csv": b.csv_bytes(b.table("orders", b.rows("orders", "pf1"))),
        "orders.csv.gz": gzip.compress(b.csv_bytes(b.table("orders", b.rows("orders", "pf2")))),
        "orders.jsonl": b.frame("orders", b.rows("orders", "pf3")).write_ndjson().encode(),
        "orders.parquet": b.parquet_bytes(b.frame("orders", b.rows("orders", "pf4"))),
    }
    for name, data in files.items():
        (exports / name).write_bytes(data)
    results = ingest_paths([exports / name for name in files], db, settings=SETTINGS)
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 2)] * 4, [r.message for r in results]
    assert query(db, "select count(*) from raw.orders") == [(8,)]
    assert other.is_dir()
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(".w[1]")] == []
