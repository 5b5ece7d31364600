"""AppTest fixtures: the app pointed at a seeded warehouse through CX_DB, with Streamlit's caches
cleared between tests, and the bytes behind st.download_button captured for byte-for-byte checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from warehouse.api import Warehouse

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(scope="session")
def wh(seeded_db):  # noqa: F811
    """The same warehouse, read directly: where the tests take their expected numbers."""
    return Warehouse.open(seeded_db)


def _served_mode(monkeypatch) -> None:
    """Run every AppTest run the way a server runs after its first request: through app.py's
    st.navigation. AppTest resets Streamlit's legacy pages/ switch before each run, which would run
    a page file on its own and make the page re-route through app.py with st.rerun (losing a
    button click). The first-request path is covered by the browser test."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def make_app(db: Path, monkeypatch, params: dict | None = None) -> AppTest:
    _served_mode(monkeypatch)
    monkeypatch.setenv("CX_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


@pytest.fixture
def app(seeded_db, monkeypatch):  # noqa: F811
    """A fresh AppTest on the seeded warehouse; call it with query parameters to open a URL."""
    return lambda params=None: make_app(seeded_db, monkeypatch, params)


class _Recording(MemoryMediaFileStorage):
    latest: _Recording | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _Recording.latest = self


@pytest.fixture
def downloads(monkeypatch):
    """bytes_of(download_button) -> the file a click would download (eager data only)."""
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _Recording)

    def bytes_of(button) -> bytes:
        filename = button.proto.url.rsplit("/", 1)[-1]
        return _Recording.latest.get_file(filename).content

    return bytes_of
