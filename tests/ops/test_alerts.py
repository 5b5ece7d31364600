"""Alerts delivered once (issue 15.1, 15.4): real SMTP and HTTP servers on 127.0.0.1 get exactly the
expected messages; a rerun sends nothing; a server that is down leaves the alert pending and the
next run delivers it; a recovery is announced once; a small sample never alerts."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ops import evaluate
from ops.deliver import SmtpConfig
from ops.run import AlertConfig, run
from ops.state import AlertState, state_path
from tests.ops.servers import SmtpServer, WebhookReceiver, free_port
from tests.warehouse.raw_fixture import build_warehouse
from warehouse import targets
from warehouse.targets import Target

NOW = datetime(2026, 4, 1, 9, 0)
STORES = [
    {"store_id": "S1", "name": "One", "region": "North"},
    {"store_id": "S2", "name": "Two", "region": "South"},
]


def _rows():
    """March 2026: 40 CSAT answers about North's orders, 8 of them 4-5 (CSAT 20%); 40 about
    South's, all 5 (100%); 5 NPS answers of 0 (NPS -100 on 5 answers: under min_n 30)."""
    orders, surveys = [], []
    for i in range(80):
        store = "S1" if i < 40 else "S2"
        day = 1 + i % 31
        orders.append(
            {
                "order_id": f"o{i}",
                "line_no": 1,
                "ordered_at": f"2026-03-{day:02d} 09:00:00",
                "store_id": store,
                "channel": "store",
                "customer_id": f"c{i}",
                "sku": "K",
                "quantity": 1,
                "unit_price": 10.0,
            }
        )
        score = (5 if i < 8 else 1) if i < 40 else 5
        surveys.append(
            {
                "response_id": f"csat{i}",
                "survey": "csat",
                "score": score,
                "order_id": f"o{i}",
                "answered_at": f"2026-03-{day:02d} 10:00:00",
            }
        )
    surveys += [
        {"response_id": f"nps{i}", "survey": "nps", "score": 0, "answered_at": "2026-03-31 10:00:00"}
        for i in range(5)
    ]
    return {"orders": orders, "surveys": surveys, "stores": STORES}


@pytest.fixture
def db(tmp_path) -> Path:
    wh = build_warehouse(tmp_path, _rows(), demo_targets=False)
    wh.close()
    db = tmp_path / "ingest.duckdb"
    targets.save_version(
        db, {"csat": Target(95, 80), "nps": Target(40, 20)}, date(2026, 1, 1), "gov@example.com", "FY26"
    )
    return db


def config(smtp_url=None, webhook=None, **kw) -> AlertConfig:
    smtp = SmtpConfig(smtp_url, "cx@example.com") if smtp_url else None
    return AlertConfig(
        alert_to=("ops@example.com",),
        webhook_url=webhook,
        smtp=smtp,
        dashboard_url="https://cx.example.com",
        **kw,
    )


def test_a_breach_is_delivered_once_by_email_and_webhook(db):
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        report = run(db, None, config(smtp.url, hook.url), NOW)
        assert [f.detail["metric"] for f in report.new] == ["csat"]  # NPS: 5 answers, under min_n
        assert [d["status"] for d in report.deliveries] == ["sent", "sent"]
        assert len(smtp.messages) == 1 and len(hook.bodies) == 1
        mail = smtp.messages[0]
        assert mail["to"] == ["ops@example.com"] and mail["subject"] == "CX alerts: 1 new alert"
        assert "CSAT 60.0%" in mail["body"] and "previous period –" in mail["body"]
        for words in (
            "alert threshold 80",
            "target 95",
            "n = 80",
            "2026-03-01 to 2026-03-31",
            "https://cx.example.com/overview?from=2026-03-01&to=2026-03-31",
        ):
            assert words in mail["body"], words
        body = hook.bodies[0]
        assert body["text"] == mail["body"]
        [breach] = body["breaches"]
        assert breach["metric"] == "csat" and breach["value"] == pytest.approx(60.0)
        assert breach["threshold"] == 80 and breach["target"] == 95 and breach["n"] == 80
        assert breach["within_margin"] is False and body["recoveries"] == []

        again = run(db, None, config(smtp.url, hook.url), NOW)
        assert (
            again.new == []
            and again.deliveries == []
            and [f.key for f in again.breaches] == [f.key for f in report.breaches]
        )
        assert len(smtp.messages) == 1 and len(hook.bodies) == 1  # a rerun sends nothing


def test_a_server_that_is_down_leaves_the_alert_pending_until_the_next_run(db):
    port = free_port()  # nothing listens here yet
    down = run(db, None, config(f"smtp://127.0.0.1:{port}"), NOW)
    assert [d["status"] for d in down.deliveries] == ["failed"] and down.failed
    assert "127.0.0.1" in down.failed[0]["error"]
    [pending] = AlertState(state_path(db)).pending()
    assert pending["attempts"] == 1 and pending["last_error"]
    with SmtpServer(port) as smtp:
        later = run(db, None, config(smtp.url), NOW)
        assert later.new == []  # the breach is not new, but its notice still goes out
        assert [d["status"] for d in later.deliveries] == ["sent"]
        assert len(smtp.messages) == 1 and "CSAT" in smtp.messages[0]["body"]
        run(db, None, config(smtp.url), NOW)
        assert len(smtp.messages) == 1
    assert AlertState(state_path(db)).pending() == []


def test_a_webhook_that_answers_an_error_stays_pending(db):
    with WebhookReceiver(status=500) as hook:
        report = run(db, None, AlertConfig(webhook_url=hook.url), NOW)
        assert report.failed and "500" in report.failed[0]["error"]
    with WebhookReceiver() as hook:
        run(db, None, AlertConfig(webhook_url=hook.url), NOW)
        run(db, None, AlertConfig(webhook_url=hook.url), NOW)
        assert len(hook.bodies) == 1 and [b["metric"] for b in hook.bodies[0]["breaches"]] == ["csat"]


def test_a_recovery_is_announced_once(db):
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        run(db, None, config(smtp.url, hook.url), NOW)
        # the retailer lowers the threshold from March: CSAT 60% is no longer past it
        targets.save_version(db, {"csat": Target(75, 50)}, date(2026, 3, 1), "gov@example.com", "reset")
        recovered = run(db, None, config(smtp.url, hook.url), NOW)
        assert [f.detail["metric"] for f in recovered.recoveries] == ["csat"] and recovered.new == []
        assert len(smtp.messages) == 2 and smtp.messages[1]["subject"] == "CX alerts: 1 recovery"
        assert "Recovered" in smtp.messages[1]["body"] and "CSAT" in smtp.messages[1]["body"]
        assert hook.bodies[1]["breaches"] == [] and hook.bodies[1]["recoveries"][0]["metric"] == "csat"
        run(db, None, config(smtp.url, hook.url), NOW)
        assert len(smtp.messages) == 2 and len(hook.bodies) == 2


def test_a_rolling_window_keeps_one_breach_until_it_recovers(db):
    with SmtpServer() as smtp:
        first = run(db, None, config(smtp.url, period="last-30-days"), NOW)
        assert [f.key for f in first.new] == ["metric|csat|last-30-days|all"]
        run(db, None, config(smtp.url, period="last-30-days"), NOW)
        assert len(smtp.messages) == 1


def test_a_regions_breaches_go_to_its_manager(db, tmp_path):
    people = tmp_path / "recipients.toml"
    people.write_text(
        '[[recipient]]\nemail = "north@example.com"\nregions = ["North"]\n'
        '[[recipient]]\nemail = "south@example.com"\nregions = ["South"]\n'
    )
    with SmtpServer() as smtp:
        report = run(db, None, config(smtp.url, recipients_file=people), NOW)
        by_to = {m["to"][0]: m for m in smtp.messages}
        assert set(by_to) == {"ops@example.com", "north@example.com"}  # South's CSAT is 100%
        assert "region North" in by_to["north@example.com"]["body"]
        assert "CSAT 20.0%" in by_to["north@example.com"]["body"]
        assert "region=North" not in by_to["north@example.com"]["body"]  # the scope is the person's
        assert {f.scope for f in report.new} == {"the whole business", "region North"}


def test_the_access_files_managers_get_their_regions_alerts(db, tmp_path):
    access = tmp_path / "access.toml"
    access.write_text('[users."north@example.com"]\nrole = "region_manager"\nregions = ["North"]\n')
    with SmtpServer() as smtp:
        run(db, None, config(smtp.url, access_file=access), NOW)
        assert sorted(m["to"][0] for m in smtp.messages) == ["north@example.com", "ops@example.com"]


def test_a_breach_within_the_margin_of_error_says_so(db):
    targets.save_version(db, {"csat": Target(95, 65)}, date(2026, 3, 1), "gov@example.com", "closer")
    report = run(db, None, AlertConfig(), NOW, dry_run=True)
    [breach] = report.breaches
    assert breach.detail["within_margin"] is True  # 60% vs 65%, margin about ±10.7
    assert "within the margin of error" in evaluate.describe(breach)
    assert not state_path(db).exists() or AlertState(state_path(db)).deliveries() == []


def test_a_metric_without_a_target_or_measure_never_alerts(db):
    report = run(db, None, AlertConfig(), NOW, dry_run=True)
    states = {f.detail["metric"]: f.state for f in report.breaches}
    assert states == {"csat": "breach"}
    findings = {f.detail.get("metric"): f.state for f in report.breaches}
    assert "nps" not in findings and "aov" not in findings


class _Fresh:
    def __init__(self, last):
        self.last = last

    def freshness(self):
        class R:
            frame = pl.DataFrame(
                {"source_name": ["orders"], "latest_date": [date(2026, 3, 31)], "last_ingest_at": [self.last]}
            )

        return R()


def test_a_source_without_new_data_for_longer_than_its_cadence_is_an_alert():
    last = datetime(2026, 3, 31, 6, 0)
    [late] = evaluate.stale_findings(_Fresh(last), 2, last + timedelta(days=3))
    [fresh] = evaluate.stale_findings(_Fresh(last), 2, last + timedelta(days=1))
    assert late.state == "breach" and fresh.state == "clear" and late.key == fresh.key
    assert "no new data for more than 2 days" in evaluate.describe(late)


def test_a_failed_inbox_file_is_alerted_once(db):
    failed = evaluate.inbox_failure("orders.csv", "ab" * 32, "no profile matches the header")
    with SmtpServer() as smtp:
        run(db, None, config(smtp.url), NOW, extra=[failed])
        run(db, None, config(smtp.url), NOW, extra=[failed])
        assert len(smtp.messages) == 1
        assert "inbox file orders.csv failed: no profile matches the header" in smtp.messages[0]["body"]


def test_cx_alerts_json_and_exit_status(db, monkeypatch):
    from cli.main import app

    monkeypatch.setenv("CX_ALERT_TO", "ops@example.com")
    monkeypatch.setenv("CX_TARGETS", str(db.parent / "none.toml"))
    monkeypatch.setenv("CX_ACCESS", str(db.parent / "none-access.toml"))
    monkeypatch.setenv("CX_ALERT_RECIPIENTS", str(db.parent / "none-recipients.toml"))
    monkeypatch.setenv("CX_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    runner = CliRunner()
    result = runner.invoke(app, ["alerts", "--db", str(db), "--json"])
    assert result.exit_code == 1, result.output
    out = json.loads(result.output)
    assert [b["metric"] for b in out["breaches"]] == ["csat"] and out["deliveries"][0]["status"] == "failed"
    with SmtpServer() as smtp:
        monkeypatch.setenv("CX_SMTP_URL", smtp.url)
        result = runner.invoke(app, ["alerts", "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert "sent: email ops@example.com: 1 alert(s)" in result.output and len(smtp.messages) == 1
    bad = runner.invoke(app, ["alerts", "--db", str(db), "--period", "fortnight"])
    assert bad.exit_code == 1 and "--period must be one of" in bad.output and "Traceback" not in bad.output
