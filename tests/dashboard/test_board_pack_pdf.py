"""The board pack as the board reads it (issue 15.2, 15.4): a real PDF from Chromium whose text
holds the scorecard (pdftotext) and whose pages all render with ink on them (pdftoppm), on A4 and
Letter; the print HTML without plotly.js; rendered once; `cx board-pack` writes the three files and
e-mails them through a local SMTP server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dashboard import board_pack, board_pack_print
from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from tests.ops.servers import SmtpServer
from warehouse.api import Warehouse
from warehouse.filters import Filters

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make browser-deps)"),
]


@pytest.fixture(scope="module")
def frozen(seeded_db, tmp_path_factory):  # noqa: F811
    wh = Warehouse.open(seeded_db)
    month = wh.as_of().replace(day=1)
    directory = tmp_path_factory.mktemp("packs")
    try:
        pack = board_pack.freeze(
            directory, month, Filters(), lambda: board_pack.collect(wh, month, Filters())
        )
    finally:
        wh.close()
    return directory, month, pack


def pages_with_ink(pdf: Path, out: Path) -> list[float]:
    """Each page rendered by pdftoppm (grey, 40 dpi): the share of its pixels that are not white."""
    subprocess.run(["pdftoppm", "-gray", "-r", "40", str(pdf), str(out / "page")], check=True)
    shares = []
    for pgm in sorted(out.glob("page-*.pgm")):
        data = pgm.read_bytes()
        # P5 header: magic, width height, maxval, then the pixels
        parts = data.split(b"\n", 3)
        pixels = parts[3]
        shares.append(sum(1 for b in pixels if b < 200) / len(pixels))
    return shares


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_pdf_holds_the_scorecard_and_every_page_renders(frozen, tmp_path, paper):
    directory, month, pack = frozen
    pdf = tmp_path / f"pack-{paper}.pdf"
    html_text = board_pack.render_html(
        pack, charts=board_pack_print.chart_svgs(pack), font=board_pack_print.font_face()
    )
    pdf.write_bytes(board_pack_print.render_pdf(html_text, paper))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert ("(A4)" if paper == "A4" else "(letter)") in info
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"board pack — {month:%B %Y}" in text
    for heading in ("Summary", "What moved", "What breached", "Roadmap", "Scorecard", "Charts"):
        assert heading in text, heading
    table = board_pack.scorecard_table(pack["scorecard"])
    for row in table.iter_rows(named=True):  # every metric with its value and status, as on the page
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(row["Metric"].split()[0])), "")
        assert row["This month"].split()[0] in text and row["Metric"].split()[0] in line, row["Metric"]
    shares = pages_with_ink(pdf, tmp_path)
    assert 2 <= len(shares) <= 6
    assert all(s > 0.003 for s in shares), shares  # no empty page


def test_the_print_html_is_light_and_uses_the_dashboards_font_and_status_colours(frozen):
    _, _, pack = frozen
    page = board_pack.render_html(
        pack, charts=board_pack_print.chart_svgs(pack), font=board_pack_print.font_face()
    )
    assert "plotly.js v" not in page and page.count("<svg") >= 2
    assert len(page.encode()) < 1_000_000
    assert "font-family: 'Source Sans Pro', 'Source Sans 3'" in page and "@font-face" in page
    assert "class='status-" in page and ".status-alert {color: #D55E00" in page


def test_the_pdf_is_rendered_once(frozen):
    directory, month, pack = frozen
    first = board_pack_print.ensure(directory, month, Filters(), pack)
    stamp = first["pdf"].stat().st_mtime_ns, first["html"].stat().st_mtime_ns
    again = board_pack_print.ensure(directory, month, Filters(), pack)
    assert (again["pdf"].stat().st_mtime_ns, again["html"].stat().st_mtime_ns) == stamp
    assert first["pdf"].read_bytes().startswith(b"%PDF")


def test_cx_board_pack_writes_and_emails_the_three_files(seeded_db, tmp_path, monkeypatch):  # noqa: F811
    from cli.main import app

    copy = tmp_path / "wh"
    shutil.copytree(seeded_db.parent, copy, ignore=shutil.ignore_patterns("board_packs", "audit"))
    db = copy / seeded_db.name
    month = f"{Warehouse.open(db).as_of():%Y-%m}"
    monkeypatch.setenv("CX_TARGETS", str(tmp_path / "none.toml"))
    with SmtpServer() as smtp:
        monkeypatch.setenv("CX_SMTP_URL", smtp.url)
        monkeypatch.setenv("CX_ALERT_TO", "board@example.com")
        out = tmp_path / "out"
        result = CliRunner().invoke(
            app, ["board-pack", "--db", str(db), "--month", month, "--out", str(out), "--email", "--json"]
        )
        assert result.exit_code == 0, result.output
        written = json.loads(result.output)
        assert written["email"]["status"] == "sent" and len(smtp.messages) == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"cx_board_pack_{month}.{ext}" for ext in ("html", "pdf", "xlsx")]
    assert (out / f"cx_board_pack_{month}.pdf").read_bytes().startswith(b"%PDF")
    assert smtp.messages[0]["subject"] == f"CX board pack {month}"
    attached = smtp.messages[0]["attachments"]
    assert sorted(attached) == names and attached[f"cx_board_pack_{month}.pdf"].startswith(b"%PDF")
    bad = CliRunner().invoke(app, ["board-pack", "--db", str(db), "--month", "2026-13", "--out", str(out)])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_a_month_outside_the_data_is_refused(seeded_db, tmp_path):  # noqa: F811
    from cli.main import app

    result = CliRunner().invoke(
        app, ["board-pack", "--db", str(seeded_db), "--month", "1999-01", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1 and "outside the data" in result.output
