"""Fixtures shared by the reliability tests: the seeded warehouse of the dashboard tests (built once
per session), and direct read-only access to it."""

from __future__ import annotations

import pytest

from tests.dashboard.fixtures import recorded, seeded_db  # noqa: F401  (shared fixtures)
from warehouse.api import Warehouse


@pytest.fixture(scope="session")
def wh(seeded_db):  # noqa: F811
    return Warehouse.open(seeded_db)
