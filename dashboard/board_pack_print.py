"""The board pack as the board reads it: the print HTML (charts as inline SVG, the dashboard's font
and status colours, page breaks where a reader expects them) and its PDF, printed by Chromium
through Playwright. Both are rendered once, when the pack is frozen (or the first time a pack
frozen before PDFs existed is asked for one), and kept beside the pack's JSON:
`<month>__<key>.html` and `<month>__<key>.pdf`. Every later download reads those files.
"""

from __future__ import annotations

import base64
import os
from datetime import date
from pathlib import Path

import polars as pl

from dashboard import board_pack, charts
from warehouse.filters import Filters
from warehouse.targets import targets_of_rows

CHROMIUM = Path(os.environ.get("CX_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAPERS = ("A4", "Letter")
CHART_WIDTH = 900


class PdfUnavailable(Exception):
    """Chromium is not there to print the PDF."""


def paths(directory: Path, month: date, filters: Filters) -> dict[str, Path]:
    stem = board_pack.pack_path(directory, month, filters)
    return {"json": stem, "html": stem.with_suffix(".html"), "pdf": stem.with_suffix(".pdf")}


def chart_svgs(pack: dict) -> list[str]:
    """The pack's charts as SVG (kaleido, which drives the same Chromium)."""
    figures = []
    trend = board_pack._trend_frame(pack)
    if trend.height:
        month = date.fromisoformat(pack["month"] + "-01")
        figures.append(
            charts.kpi_trends(
                trend,
                board_pack.TREND_KEYS,
                targets_of_rows(pack["scorecard"]),
                highlight=month,
                title="Thirteen months to the review month; dashed line = target",
            )
        )
    if pack["friction"]:
        figures.append(
            charts.friction_top(pl.DataFrame(pack["friction"]), "Friction costs in the month (per year)")
        )
    if not figures:
        return []
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return []
    os.environ.setdefault("BROWSER_PATH", str(CHROMIUM))
    out = []
    for fig in figures:
        height = 680 if len(fig.data) > 6 else 360  # both fit one page of A4 or Letter
        svg = fig.to_image(format="svg", width=CHART_WIDTH, height=height).decode("utf-8")
        out.append(svg[svg.index("<svg") :])
    return out


def font_face() -> str:
    """The dashboard's font (Source Sans, as Streamlit ships it), embedded so print and PDF use it."""
    try:
        import streamlit
    except ImportError:
        return ""
    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    found = sorted(media.glob("SourceSansVF-Upright*.woff2"))
    if not found:
        return ""
    data = base64.b64encode(found[0].read_bytes()).decode("ascii")
    return (
        "@font-face {font-family: 'Source Sans Pro'; font-weight: 200 900; "
        f"src: url(data:font/woff2;base64,{data}) format('woff2');}}"
    )


def render_pdf(html_text: str, paper: str = "A4") -> bytes:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    if not CHROMIUM.exists():
        raise PdfUnavailable(f"the PDF needs Chromium at {CHROMIUM} (`make browser-deps` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html_text, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")  # the embedded font, before printing
            page.emulate_media(media="print")
            return page.pdf(
                format=paper,
                print_background=True,
                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    "<div style='font-size:8px;width:100%;text-align:center;color:#6b6f76'>"
                    "<span class='pageNumber'></span> / <span class='totalPages'></span></div>"
                ),
            )
        finally:
            browser.close()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # a reader sees the whole file or none


def render(directory: Path, month: date, filters: Filters, pack: dict, paper: str = "A4") -> dict[str, Path]:
    """Write the print HTML and the PDF beside the frozen pack (again, replacing them)."""
    where = paths(directory, month, filters)
    html_text = board_pack.render_html(pack, charts=chart_svgs(pack), font=font_face())
    _write(where["html"], html_text.encode("utf-8"))
    _write(where["pdf"], render_pdf(html_text, paper))
    return where


def ensure(directory: Path, month: date, filters: Filters, pack: dict, paper: str = "A4") -> dict[str, Path]:
    """The rendered files, rendering them only when they are not there yet."""
    where = paths(directory, month, filters)
    if where["html"].exists() and where["pdf"].exists():
        return where
    return render(directory, month, filters, pack, paper)
