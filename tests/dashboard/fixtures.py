"""Fixtures shared by the page, browser and reliability tests: the seeded warehouse (built once per
run) and the recording of download buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.elements.widgets.button import ButtonMixin

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


@pytest.fixture
def recorded(monkeypatch):
    """Every st.download_button call: (label, data: bytes or the callable a click would call, file name)."""
    calls: list[tuple[str, object, str]] = []
    original = ButtonMixin.download_button

    def recording(self, label, data, file_name=None, *args, **kwargs):
        calls.append((label, data, file_name))
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", recording)
    monkeypatch.setattr(st, "download_button", recording.__get__(st._main))
    return calls
