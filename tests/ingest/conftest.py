"""Fixtures of the ingest tests: a warehouse path per test, a writer for export files, ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from ingest.run import ingest_paths

from .exports import SALT


@pytest.fixture
def settings() -> Settings:
    return Settings(pii_salt=SALT)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"


@pytest.fixture
def write(tmp_path: Path):
    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / "exports" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def ingest(db: Path, settings: Settings):
    """ingest_paths into the test's warehouse (or into `into`)."""

    def _ingest(*paths: Path, into: Path | None = None, **kwargs):
        return ingest_paths(list(paths), into or db, settings=settings, **kwargs)

    return _ingest
