"""What the app shows when there is nothing to show: no warehouse yet, or filters that leave no rows."""

from __future__ import annotations

from tests.dashboard.conftest import make_app
from tests.dashboard.test_pages import PAGES, open_page


def test_no_warehouse_says_how_to_create_one(tmp_path, monkeypatch):
    at = make_app(tmp_path / "nothing-here.duckdb", monkeypatch)
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(w.value for w in at.warning)
    assert "make demo" in text and "cx ingest" in text and "CX_DB" in text


def test_filters_without_rows_explain_instead_of_failing(app):
    """Orders have no contact channel "chat": the tier page says why it is empty."""
    at = open_page(app({"channel": "Chat"}), "tiers")
    assert any("No orders for" in i.value and "Widen the period" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_every_page_runs_on_a_filter_that_leaves_almost_nothing(app):
    for page in PAGES:
        at = app({"channel": "Social", "period": "Last 30 days"})
        at.run()
        if page != "overview":
            at.switch_page(PAGES[page]).run()
        assert not at.exception, (page, [e.value for e in at.exception])
