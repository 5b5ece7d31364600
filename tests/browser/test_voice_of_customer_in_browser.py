"""The Voice of the customer page in Chromium at the three widths (desktop, tablet, phone), with a
few follow-ups already recorded: nothing may spill sideways, the follow-up list and the closed-loop
figures must draw, and a status saved through the form must show. Screenshots go to
test-artifacts/screenshots/voc_*.png for a person to look at."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bench.app_render import ARGS, CHROMIUM
from tests.browser.serving import streamlit_server
from tests.browser.test_pages_in_browser import LAYOUT_PROBLEMS, SHOTS, _settle
from warehouse import followups
from warehouse.api import Warehouse
from warehouse.filters import Filters

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium: run `make browser-deps`"
    ),
]
WIDTHS = {"desktop": (1440, 900), "tablet": (768, 1024), "phone": (390, 844)}


@pytest.fixture(scope="module")
def followed_up(seeded_db):
    """Two answers of the default view already followed up (one resolved), by two people."""
    wh = Warehouse.open(seeded_db)
    try:
        listed = wh.follow_up_list(Filters()).frame
    finally:
        wh.close()
    first, second = listed.row(0, named=True), listed.row(1, named=True)
    with followups.open_store(seeded_db) as store:
        for row, who in ((first, "north.manager@example.com"), (second, "cx.governance@example.com")):
            if store.count_rows([row["response_id"]]):
                continue  # a rerun in the same session
            store.set_status(
                row["response_id"],
                "contacted",
                who,
                "left a message",
                at=row["answered_at"] + timedelta(hours=5),
            )
        store.set_status(first["response_id"], "resolved", "north.manager@example.com", "voucher sent")
    return listed.height


@pytest.fixture(scope="module")
def server(seeded_db, followed_up):
    with streamlit_server(seeded_db) as url:
        yield url


def test_voice_of_customer_reads_at_three_widths(server, followed_up):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for device, (width, height) in WIDTHS.items():
                page = browser.new_page(
                    viewport={"width": width, "height": height}, is_mobile=device == "phone"
                )
                page.goto(f"{server}/voice_of_customer")
                page.wait_for_selector("h1:has-text('Voice of the customer')", timeout=60_000)
                _settle(page)
                time.sleep(0.5)
                # the page draws in parts: wait for each (a CI run once counted before the closed-loop
                # rate had drawn), then count it
                for text in (f"Follow-up list ({followed_up:,} answers)", "Closed-loop rate"):
                    page.get_by_text(text, exact=True).first.wait_for(timeout=30_000)
                assert page.locator('[data-testid="stException"]').count() == 0
                assert page.get_by_text(f"Follow-up list ({followed_up:,} answers)").count() == 1
                assert page.get_by_text("Closed-loop rate", exact=True).count() == 1
                problems = page.evaluate(LAYOUT_PROBLEMS)
                page.screenshot(path=str(SHOTS / f"voc_{device}_first_screen.png"))
                assert not problems, f"{device}: {problems}"
                full = page.evaluate(
                    '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
                    '[data-testid="stAppViewContainer"], body\')].map(e => e.scrollHeight))'
                )
                page.set_viewport_size({"width": width, "height": min(int(full) + 40, 12_000)})
                time.sleep(0.8)
                page.screenshot(path=str(SHOTS / f"voc_{device}_page.png"), full_page=True)
                if device == "phone":  # (last) local mode has every role: save a status through the form
                    page.get_by_role("button", name="Save the status").click()
                    page.get_by_text("is contacted.").wait_for(timeout=30_000)
                page.close()
        finally:
            browser.close()
