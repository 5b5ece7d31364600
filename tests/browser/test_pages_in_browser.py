"""Every page in a real browser: `streamlit run app.py` on a seeded warehouse, opened in headless
Chromium (Debian's, via Playwright). No exception may show, the charts must render, and each page
is saved as a full-page screenshot in test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bench.app_render import ARGS, CHROMIUM
from tests.browser.serving import ROOT, streamlit_server

SHOTS = ROOT / "test-artifacts" / "screenshots"
# url path, whether the page must draw at least one Plotly chart
PAGES = [
    ("", True),  # the default page (Executive overview) lives at the root
    ("journey_funnel", True),
    ("loyalty_tiers", True),
    ("friction_costs", True),
    ("roadmap", True),
    ("voice_of_customer", False),  # no chart until the comment models land (issue 18)
    ("monthly_review", True),
    ("data_quality", True),
    ("explore", True),
    ("targets", False),
    ("audit", False),
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium: run `make browser-deps`"
    ),
]


@pytest.fixture(scope="module")
def server(seeded_db):
    with streamlit_server(seeded_db) as url:
        yield url


def _settle(page) -> None:
    """Wait until the script run finished (no running indicator) and tables have drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        skeleton = page.locator('[data-testid="stSkeleton"]').count()
        if not running and not skeleton:
            break
        time.sleep(0.2)
    for grid in page.locator('[data-testid="stDataFrame"]').all():
        if grid.is_visible():  # tables in a closed expander draw when opened
            grid.locator("canvas").first.wait_for(state="attached", timeout=15_000)


def test_every_page_renders_in_chromium(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    timings = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            # A fresh server whose first request is a deep link still goes through app.py.
            page.goto(f"{server}/roadmap")
            page.wait_for_selector("h1:has-text('Roadmap')", timeout=30_000)
            _settle(page)
            assert page.get_by_text("Page not found").count() == 0
            assert page.locator('[data-testid="stSidebar"]').get_by_text("Filters").count() == 1
            assert page.get_by_text("Data as of").count() == 1
            for i, (path, has_chart) in enumerate(PAGES, start=1):
                page.set_viewport_size({"width": 1440, "height": 900})
                started = time.monotonic()
                page.goto(f"{server}/{path}")
                page.wait_for_selector("h1", timeout=30_000)
                if has_chart:
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
                _settle(page)
                timings[path] = time.monotonic() - started
                assert page.locator('[data-testid="stException"]').count() == 0, (
                    f"{path}: " + page.locator('[data-testid="stException"]').first.inner_text()
                )
                if has_chart:
                    assert page.locator(".js-plotly-plot .main-svg").count() > 0, f"{path}: no chart drawn"
                if path == "monthly_review":  # make the board pack and download its HTML
                    make = page.get_by_role("button", name="Make the board pack")
                    if make.count():
                        make.click()
                    button = page.get_by_role("button", name="Board pack (HTML)")
                    button.wait_for(timeout=30_000)
                    with page.expect_download(timeout=60_000) as download:
                        button.click()
                    pack = Path(download.value.path()).read_text(encoding="utf-8")
                    assert "Customer experience board pack" in pack
                    assert not re.search(r"<script[^>]+src=[\"']?https?:", pack)
                if path == "explore":  # show the SQL and its bound parameters in the screenshot
                    page.get_by_text("The SQL that produced this table").click()
                    page.locator('[data-testid="stCode"]').nth(1).wait_for(timeout=10_000)
                    time.sleep(0.6)  # the expander's opening animation
                height = page.evaluate(
                    '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
                    '[data-testid="stAppViewContainer"], body\')].map(e => e.scrollHeight))'
                )
                page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 16_000)})
                time.sleep(0.8)  # plotly resizes to the new viewport
                page.screenshot(path=str(SHOTS / f"{i:02d}_{path or 'overview'}.png"), full_page=True)
        finally:
            browser.close()
    print(f"\nscreenshots in {SHOTS}")
    for path, seconds in timings.items():
        print(f"  /{path:16} rendered in {seconds:.1f} s")


# A phone and a tablet (issue 17): every page at 390 and 768 px wide (the desktop is the test above)
WIDTHS = {"phone": (390, 844), "tablet": (768, 1024)}
LAYOUT_PROBLEMS = """() => {
  const width = window.innerWidth, problems = [];
  if (document.documentElement.scrollWidth > width + 1) problems.push('page scrolls sideways');
  const sel = '[data-testid="stDataFrame"], [data-testid="stPlotlyChart"], [data-testid="stMarkdown"], '
    + '[data-testid="stHorizontalBlock"], [data-testid="stAlert"], [data-testid="stCaptionContainer"]';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1)
      problems.push(`${el.dataset.testid} ends at ${Math.round(r.right)}px`);
  }
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const titles = [...plot.querySelectorAll('.gtitle, .annotation-text')]
      .map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
    for (let i = 0; i < titles.length; i++) for (let j = i + 1; j < titles.length; j++) {
      const a = titles[i], b = titles[j];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        problems.push('two chart titles overlap');
    }
  }
  return problems;
}"""


@pytest.mark.slow
def test_every_page_fits_a_phone_and_a_tablet(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for device, (width, height) in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=True)
                for path, has_chart in PAGES:
                    page.goto(f"{server}/{path}")
                    page.wait_for_selector("h1", timeout=30_000)
                    if has_chart:
                        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
                    _settle(page)
                    time.sleep(0.5)
                    problems = page.evaluate(LAYOUT_PROBLEMS)
                    name = f"{device}_{path or 'overview'}"
                    page.screenshot(path=str(SHOTS / f"{name}_first_screen.png"))
                    assert not problems, f"{device} /{path}: {problems}"
                    full = page.evaluate(
                        '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
                        '[data-testid="stAppViewContainer"], body\')].map(e => e.scrollHeight))'
                    )
                    page.set_viewport_size({"width": width, "height": min(int(full) + 40, 12_000)})
                    time.sleep(0.8)
                    page.screenshot(path=str(SHOTS / f"{name}_page.png"), full_page=True)
                    page.set_viewport_size({"width": width, "height": height})
                    if path == "":  # the overview's first screen says how we are doing
                        first = page.locator(".cx-summary").bounding_box()
                        assert first and first["y"] + first["height"] <= height, (
                            "status summary below the fold"
                        )
                page.close()
        finally:
            browser.close()
