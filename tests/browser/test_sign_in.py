"""The real sign-in flow in headless Chromium (issue 10): `streamlit run app.py` with `[auth]`
pointing at a local OpenID Connect provider (the `oidc-provider-mock` package) started on
127.0.0.1 by the test. A signed-out deep link shows no data; signing in lands on the page and
filters asked for, scoped to the person; a download is audited with the file's sha256; signing
out leaves no data. Also: the websocket refuses a foreign Host (DNS rebinding). Nothing beyond
127.0.0.1 is reached."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.app_render import ARGS, CHROMIUM, free_port, stop
from tests.browser.serving import streamlit_server
from warehouse import audit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: run `make browser-deps`"),
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "sign_in"
MANAGER = "north.manager@example.com"


@contextlib.contextmanager
def oidc_provider(folder: Path):
    """A local OpenID Connect provider; `MANAGER` is a predefined user with a verified e-mail."""
    port = free_port()
    claims = json.dumps({"sub": MANAGER, "email": MANAGER, "email_verified": True})
    log = open(folder / "oidc.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
         "--user-claims", claims],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"the OIDC provider did not start; see {log.name}") from None
                time.sleep(0.2)
        yield url
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def signed_in_server(seeded_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sign_in")
    (folder / "access.toml").write_text(
        f'[users."{MANAGER}"]\nrole = "region_manager"\nregions = ["North"]\n'
    )
    port = free_port()
    with oidc_provider(folder) as provider:
        (folder / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{base64.b64encode(os.urandom(24)).decode()}"\n'
            'client_id = "cx-dashboard"\nclient_secret = "cx-dashboard-secret"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        )
        with streamlit_server(
            seeded_db,
            port=port,
            args=("--secrets.files", str(folder / "secrets.toml")),
            env={"CX_ACCESS": str(folder / "access.toml")},
        ):
            # the host name of redirect_uri: Streamlit's callback needs the same origin
            yield f"http://localhost:{port}", seeded_db


def _settled(page, text: str) -> None:
    page.wait_for_selector(f"text={text}", timeout=30_000)
    deadline = time.monotonic() + 20
    while page.locator('[data-testid="stStatusWidget"]').count() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_sign_in_scoped_page_audited_download_sign_out(signed_in_server):
    from playwright.sync_api import sync_playwright

    url, db = signed_in_server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        try:
            # signed out, a deep link with filters: the sign-in page and no data
            page.goto(f"{url}/loyalty_tiers?period=Last+365+days")
            _settled(page, "Sign in with your company account")
            assert page.locator('[data-testid="stDataFrame"]').count() == 0
            assert page.locator(".js-plotly-plot").count() == 0
            assert page.get_by_text("Data as of").count() == 0
            page.screenshot(path=str(SHOTS / "01_signed_out.png"))

            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("input[name=sub]", timeout=30_000)
            page.fill("input[name=sub]", MANAGER)
            page.get_by_role("button", name="Authorize").click()

            # back on the page and filters asked for, scoped to the North region
            page.wait_for_selector("h1:has-text('Loyalty tiers')", timeout=60_000)
            _settled(page, "Data as of")
            assert "/loyalty_tiers" in page.url and "Last+365+days" in page.url.replace("%20", "+")
            assert page.get_by_text("your scope: region North").count() >= 1
            assert page.get_by_text(f"Signed in as {MANAGER}").count() == 1
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            time.sleep(1)
            page.screenshot(path=str(SHOTS / "02_signed_in_scoped.png"), full_page=True)

            # a download is audited with who, what and the sha256 of the bytes
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="XLSX").first.click()
            blob = Path(download.value.path()).read_bytes()
            deadline = time.monotonic() + 10
            while True:
                log = audit.read(db)
                rows = log.filter(
                    (log["event"] == "download") & (log["sha256"] == hashlib.sha256(blob).hexdigest())
                )
                if rows.height or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert rows.height == 1
            row = rows.row(0, named=True)
            assert row["user"] == MANAGER and row["format"] == "xlsx" and row["page"] == "loyalty_tiers"
            assert row["scope"] == "region North" and row["rows"] > 0
            signed = log.filter((log["user"] == MANAGER) & (log["event"] == "sign_in"))
            assert signed.height >= 1

            # sign out (through the provider's end-session page), then the deep link shows no data
            page.get_by_role("button", name="Sign out").click()
            with contextlib.suppress(Exception):
                page.get_by_role("button", name="End session").click(timeout=10_000)
            page.goto(f"{url}/loyalty_tiers")
            _settled(page, "Sign in with your company account")
            assert page.locator('[data-testid="stDataFrame"]').count() == 0
            assert not any(c["name"] == "_streamlit_user" for c in context.cookies())
        finally:
            browser.close()


def _upgrade(port: int, host: str, origin: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode())
        return s.recv(200)


def test_a_foreign_host_is_refused_dns_rebinding(seeded_db):
    with streamlit_server(seeded_db) as url:
        port = int(url.rsplit(":", 1)[1])
        ok = _upgrade(port, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}")
        assert ok.startswith(b"HTTP/1.1 101"), ok
        evil = _upgrade(port, f"evil.example:{port}", f"http://evil.example:{port}")
        assert not evil.startswith(b"HTTP/1.1 101"), evil
