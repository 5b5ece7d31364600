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

from tests.dashboard.fixtures import recorded, seeded_db  # noqa: F401  (shared fixtures)
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


ACCESS = """
[users."exec@example.com"]
role = "executive"
[users."gov@example.com"]
role = "governance"
[users."analyst@example.com"]
role = "analyst"
[users."north@example.com"]
role = "region_manager"
regions = ["North"]
[users."store@example.com"]
role = "store_manager"
stores = ["ST012"]
[domains."example.org"]
role = "executive"
"""
AUTH = {
    "client_id": "cx-test",
    "client_secret": "cx-test-secret",
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "cx-test-cookie-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",  # never fetched here
}


def signed_in_app(
    db: Path, monkeypatch, tmp_path: Path, email: str | None, params: dict | None = None, verified=True
) -> AppTest:
    """The app with sign-in configured ([auth] in the secrets), the test access file, and `email`
    signed in (None: signed out)."""
    access = tmp_path / "access.toml"
    if not access.exists():
        access.write_text(ACCESS)
    monkeypatch.setenv("CX_ACCESS", str(access))
    at = make_app(db, monkeypatch, params)
    at.secrets["auth"] = AUTH
    at.user = (
        {"is_logged_in": True, "email": email, "email_verified": verified}
        if email
        else {"is_logged_in": False}
    )
    return at


@pytest.fixture
def as_user(seeded_db, monkeypatch, tmp_path):  # noqa: F811
    """as_user(email, params=None) -> an AppTest signed in as that person (None = signed out)."""
    return lambda email, params=None, **kw: signed_in_app(
        seeded_db, monkeypatch, tmp_path, email, params, **kw
    )


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
