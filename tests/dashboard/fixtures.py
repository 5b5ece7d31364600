"""The seeded warehouse shared by the page tests and the browser test (built once per run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.seeded import realistic_warehouse
from warehouse import snapshots


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """The demo exports at scale 0.05 ingested, their comments scored and built (seed 42), once;
    reused when the dashboard and browser tests run in one session."""
    directory = tmp_path_factory.getbasetemp() / "cx_seeded"
    db = directory / "warehouse.duckdb"
    if snapshots.current_snapshot(db) is None:
        directory.mkdir(parents=True, exist_ok=True)
        db = realistic_warehouse(directory, voc=True)  # comments scored, as `cx demo` does
    return db
