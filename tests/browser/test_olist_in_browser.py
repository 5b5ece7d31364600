"""The dashboard on a warehouse built from only the real Olist files (issue 3): every page renders
without an exception, says what the warehouse does not hold instead of drawing empty charts or
zeros, and is saved as a screenshot in test-artifacts/screenshots/olist/ for a person to look at.
Skipped without Chromium or without ../shared/realdata."""

from __future__ import annotations

import contextlib
import time

import pytest

from bench.app_render import ARGS, CHROMIUM
from config.settings import Settings
from ingest.run import ingest_paths
from warehouse.build import build

from ..ingest.test_realdata import OLIST, REALDATA
from .serving import streamlit_server
from .test_pages_in_browser import PAGES, SHOTS, _settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realdata,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not REALDATA.is_dir(), reason=f"no real data at {REALDATA}"),
]


@pytest.fixture(scope="module")
def olist_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("olist_app") / "warehouse.duckdb"
    ingest_paths(sorted(OLIST.glob("*.csv")), db, settings=Settings())
    build(db)
    with streamlit_server(db) as url:
        yield url


# what each page must say on an Olist-only warehouse
EXPECTED_TEXT = {
    "": ["Not measured by these exports", "no support contacts", "Not measured", "No cost assumptions loaded",
         "money in BRL", "R$", "each order its own customer id"],
    "journey_funnel": ["no web or app sessions", "CX score at each touchpoint"],
    "loyalty_tiers": ["No loyalty tiers in this warehouse"],
    "friction_costs": ["No cost assumptions loaded"],  # and the events table (a canvas: not text)
    "data_quality": ["expected exclusions"],
}  # fmt: skip


def test_olist_pages_render_honestly(olist_server):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    out = SHOTS / "olist"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            for i, (path, _) in enumerate(PAGES, start=1):
                page.set_viewport_size({"width": 1440, "height": 900})
                page.goto(f"{olist_server}/{path}")
                page.wait_for_selector("h1", timeout=30_000)
                _settle(page)
                # on a busy machine the run may not have shown its status yet when _settle looks: the
                # texts the page must show are waited for (an absent one fails below, after 30 s)
                for expected in EXPECTED_TEXT.get(path, []):
                    with contextlib.suppress(PlaywrightTimeout):
                        page.get_by_text(expected).first.wait_for(timeout=30_000)
                _settle(page)
                assert page.locator('[data-testid="stException"]').count() == 0, (
                    f"{path}: " + page.locator('[data-testid="stException"]').first.inner_text()
                )
                text = page.locator('[data-testid="stMain"]').inner_text()
                for expected in EXPECTED_TEXT.get(path, []):
                    assert expected in text, f"{path}: {expected!r} not shown"
                assert "£" not in text, f"{path}: Olist's money is in BRL, not pounds"
                if path == "":  # no empty NPS trend panel: the charts are the measured metrics
                    assert "NPS by" not in text
                height = page.evaluate(
                    '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
                    '[data-testid="stAppViewContainer"], body\')].map(e => e.scrollHeight))'
                )
                page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 16_000)})
                time.sleep(0.8)
                page.screenshot(path=str(out / f"{i:02d}_{path or 'overview'}.png"), full_page=True)
        finally:
            browser.close()
