"""One alerts run: evaluate, record new breaches and recoveries with their notices queued, then send
every pending notice (this run's and any a previous run could not deliver), one message per
recipient. A failed delivery stays pending and is reported; nothing is sent twice."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ops import deliver, evaluate, recipients
from ops.evaluate import Finding
from ops.state import AlertState, run_lock, state_path

MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class AlertConfig:
    period: str = "latest-month"
    alert_to: tuple[str, ...] = ()
    webhook_url: str | None = None
    smtp: deliver.SmtpConfig | None = None
    recipients_file: Path | None = None
    access_file: Path | None = None
    dashboard_url: str | None = None
    cadence_days: float = 2.0


@dataclass
class Report:
    period: str = ""
    breaches: list[Finding] = field(default_factory=list)  # every breach now, new or not
    new: list[Finding] = field(default_factory=list)
    recoveries: list[Finding] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    dry_run: bool = False
    audiences: int = 0  # how many groups of recipients there are (0: nobody to tell)

    @property
    def failed(self) -> list[dict]:
        return [d for d in self.deliveries if d["status"] == "failed"]

    def as_dict(self) -> dict:
        return {
            "period": self.period,
            "dry_run": self.dry_run,
            "breaches": [f.as_dict() for f in self.breaches],
            "new": [f.key for f in self.new],
            "recoveries": [f.as_dict() for f in self.recoveries],
            "deliveries": self.deliveries,
        }


def run(
    db: Path,
    targets_file: Path | None,
    config: AlertConfig,
    now: datetime,
    extra: list[Finding] = (),
    dry_run: bool = False,
) -> Report:
    from warehouse.api import Warehouse

    audiences = recipients.audiences(
        config.alert_to, bool(config.webhook_url), config.recipients_file, config.access_file
    )
    report = Report(dry_run=dry_run, audiences=len(audiences))
    with run_lock(db):
        wh = Warehouse.open(db, targets_file)
        try:
            from warehouse import money

            money.use(wh.currency())
            as_of = wh.as_of()
            if as_of:
                report.period = evaluate.period_dates(config.period, as_of)[2]
            findings: dict[str, Finding] = {}
            channels: dict[str, list[tuple[str, str]]] = defaultdict(list)
            evaluated_scopes = set()
            everyone = [a for a in audiences if a.scope.everything] or [
                recipients.Audience(evaluate.EVERYTHING)
            ]
            for audience in everyone + [a for a in audiences if a.scope.restricted]:
                found = evaluate.metric_findings(wh, config.period, audience.scope, config.dashboard_url)
                if audience.scope.everything:
                    found += evaluate.stale_findings(wh, config.cadence_days, now) + list(extra)
                evaluated_scopes.add(audience.scope.describe())
                for f in found:
                    findings[f.key] = f
                    channels[f.key] += [("email", e) for e in audience.emails]
                    if audience.webhook:
                        channels[f.key].append(("webhook", "webhook"))
        finally:
            wh.close()
        report.breaches = [f for f in findings.values() if f.state == "breach"]
        state = AlertState(state_path(db))
        try:
            _record(state, findings, channels, evaluated_scopes, report, dry_run)
            if not dry_run:
                report.deliveries = _send(state, config)
        finally:
            state.close()
    return report


def _record(state, findings, channels, evaluated_scopes, report, dry_run) -> None:
    known = {
        r["key"]
        for r in state.con.execute(
            "select key from breaches where cleared_at is null or kind = 'inbox_failed'"
        )
    }
    open_now = state.open_breaches()
    report.new = [f for f in findings.values() if f.state == "breach" and f.key not in known]
    report.recoveries = [
        findings[k]
        for k in open_now
        if k in findings and findings[k].state == "clear" and findings[k].recoverable
    ]
    # a month's breach whose month is no longer the latest one ends quietly: it did not recover
    ended = [
        k
        for k, r in open_now.items()
        if r["kind"] == "metric"
        and k not in findings
        and MONTH.match(r["period"])
        and MONTH.match(report.period or "")
        and r["scope"] in evaluated_scopes
    ]
    if dry_run:
        return
    with state.transaction() as con:
        for f in report.new:
            state.open_breach(con, f.as_dict())
            for channel, recipient in channels[f.key]:
                state.queue(con, f.key, "breach", channel, recipient, f.as_dict())
        for f in report.recoveries:
            state.clear_breach(con, f.key)
            for channel, recipient in channels[f.key]:
                state.queue(con, f.key, "recovery", channel, recipient, f.as_dict())
        for k in ended:
            state.clear_breach(con, k)


def _send(state: AlertState, config: AlertConfig) -> list[dict]:
    import json

    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in state.pending():
        groups[(row["channel"], row["recipient"])].append(row)
    out = []
    for (channel, recipient), rows in groups.items():
        breaches = [evaluate.from_dict(json.loads(r["finding"])) for r in rows if r["notice"] == "breach"]
        recovered = [evaluate.from_dict(json.loads(r["finding"])) for r in rows if r["notice"] == "recovery"]
        subject, text = deliver.compose(breaches, recovered)
        ids = [r["id"] for r in rows]
        entry = {
            "channel": channel,
            "recipient": recipient,
            "breaches": [f.key for f in breaches],
            "recoveries": [f.key for f in recovered],
        }
        try:
            if channel == "email":
                if config.smtp is None:
                    raise deliver.DeliveryError("CX_SMTP_URL is not set: e-mail cannot be sent")
                deliver.send_email(config.smtp, recipient, subject, text)
            else:
                if not config.webhook_url:
                    raise deliver.DeliveryError("CX_WEBHOOK_URL is not set: the webhook cannot be called")
                deliver.send_webhook(config.webhook_url, text, breaches, recovered)
        except deliver.DeliveryError as exc:
            state.mark_failed(ids, str(exc))
            out.append({**entry, "status": "failed", "error": str(exc)})
            continue
        state.mark_sent(ids)
        out.append({**entry, "status": "sent"})
    return out
