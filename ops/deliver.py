"""How a run's notices go out: one message per run and recipient, by e-mail over SMTP and/or as a
JSON POST to a webhook (a `text` field, which Slack and Teams incoming webhooks show, plus the
structured breaches and recoveries)."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from ops.evaluate import Finding, describe

TIMEOUT = 15


class DeliveryError(Exception):
    pass


@dataclass(frozen=True)
class SmtpConfig:
    url: str
    sender: str
    user: str | None = None
    password: str | None = None


def compose(breaches: list[Finding], recoveries: list[Finding]) -> tuple[str, str]:
    """(subject, text) of one message."""
    parts = []
    if breaches:
        parts.append(f"{len(breaches)} new alert{'s' if len(breaches) != 1 else ''}")
    if recoveries:
        parts.append(f"{len(recoveries)} recover{'ies' if len(recoveries) != 1 else 'y'}")
    subject = "CX alerts: " + ", ".join(parts)
    lines = []
    if breaches:
        lines.append("New alerts:")
        lines += [f"- {describe(f)}" for f in breaches]
    if recoveries:
        lines.append("" if not lines else "")
        lines.append("Recovered (back within the alert threshold):")
        lines += [f"- {f.subject}, {f.period}, {f.scope}" for f in recoveries]
    return subject, "\n".join(line for line in lines).strip() + "\n"


def send_email(config: SmtpConfig, to: str, subject: str, text: str, attachments: list | None = None) -> None:
    parts = urlsplit(config.url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError(
            f"CX_SMTP_URL must look like smtp://host:587 or smtps://host:465, not {config.url!r}"
        )
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    user = config.user or (unquote(parts.username) if parts.username else None)
    password = config.password or (unquote(parts.password) if parts.password else None)
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    for path in attachments or []:
        kind = {".pdf": ("application", "pdf"), ".html": ("text", "html")}.get(
            path.suffix, ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
        message.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)
    try:
        if parts.scheme == "smtps":
            server = smtplib.SMTP_SSL(
                parts.hostname, port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT)
        with server:
            server.ehlo()
            if parts.scheme == "smtp" and server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if user:
                server.login(user, password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"e-mail to {to} via {parts.hostname}:{port} failed: {exc}") from None


def send_webhook(url: str, text: str, breaches: list[Finding], recoveries: list[Finding]) -> None:
    body = json.dumps(
        {
            "text": text,
            "breaches": [f.as_dict() for f in breaches],
            "recoveries": [f.as_dict() for f in recoveries],
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    host = urlsplit(url).hostname
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook at {host} answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook at {host} answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"webhook at {host} failed: {exc}") from None
