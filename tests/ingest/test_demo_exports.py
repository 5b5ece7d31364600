"""The demo generator's seeded bad rows (manifest.json) are exactly what ingest quarantines."""

from __future__ import annotations

import json

import pytest

from demo import generator
from demo.generator import write_exports

from .exports import query


@pytest.mark.parametrize("customers_per_block", [50_000, 150])
def test_quarantine_matches_the_seeded_bad_rows(tmp_path, ingest, db, monkeypatch, customers_per_block):
    """One block, and three (the bad rows of later blocks are numbered on in the file)."""
    monkeypatch.setattr(generator, "CUSTOMERS_PER_BLOCK", customers_per_block)
    out = tmp_path / "demo"
    paths = write_exports(out, scale=0.02, seed=7)
    results = ingest(*paths.values())
    assert all(r.status == "loaded" for r in results), [r.message for r in results]
    manifest = json.loads((out / "manifest.json").read_text())
    seeded = {
        (f["file"], b["row_number"], b["rule"], b["column"])
        for f in manifest["files"].values()
        for b in f["bad_rows"]
    }
    found = set(query(db, "select file_name, row_number, rule, column_name from meta.quarantine"))
    assert seeded and found == seeded
    for r in results:
        rows = manifest["files"][r.source]["rows"]
        bad = len(manifest["files"][r.source]["bad_rows"])
        assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (rows, rows - bad, bad)
