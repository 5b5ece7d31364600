"""The seeded comments warehouse, fitted, scored and built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from voc.step import update
from warehouse.build import build

from .seeded import comments_warehouse


@pytest.fixture(scope="session")
def fitted(tmp_path_factory) -> tuple[Path, dict]:
    """(ingest database, truth: response_id -> (seeded theme, happy 1 / unhappy 0))."""
    db, truth = comments_warehouse(tmp_path_factory.mktemp("voc"))
    result = update(db)
    assert result.action == "fitted" and result.model_version == 1
    build(db)
    return db, truth
