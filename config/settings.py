"""Settings, in one typed object read from the environment (prefix CX_).

Only entry points read the environment (the `cx` commands, app.py); they pass what they read down
as arguments, so ingest, the warehouse and the dashboard's modules never look at it behind their
callers. Every setting has a default and a help text; tests/test_settings.py fails when one is not
in the README's settings table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from config.retention import DEFAULT_RETENTION
from warehouse.queries.explore import EXPLORE_ROW_LIMIT

DEFAULT_DB = Path("data/warehouse.duckdb")
DEFAULT_ACCESS = Path("config/access.toml")
DEFAULT_TARGETS = Path("config/targets.toml")
DEFAULT_EXPLORE_ROW_LIMIT = EXPLORE_ROW_LIMIT
DEFAULT_MAX_ERROR_SHARE = 0.5  # = ingest.loader.MAX_ERROR_SHARE
DEFAULT_RECIPIENTS = Path("config/alert_recipients.toml")
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_BUILD_MEMORY_GB = 3.0  # = warehouse.build.DEFAULT_MEMORY_GB


@dataclass(frozen=True)
class Settings:
    db: Path = DEFAULT_DB
    pii_salt: str = "cx-demo-salt"
    explore_row_limit: int = DEFAULT_EXPLORE_ROW_LIMIT
    access: Path = DEFAULT_ACCESS
    local_role: str | None = None
    targets: Path = DEFAULT_TARGETS
    max_error_share: float = DEFAULT_MAX_ERROR_SHARE
    dashboard_url: str | None = None
    smtp_url: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    alert_from: str = "cx-alerts@localhost"
    alert_to: str | None = None
    webhook_url: str | None = None
    alert_recipients: Path = DEFAULT_RECIPIENTS
    source_cadence_days: int = 2
    time_zone: str = DEFAULT_TIME_ZONE
    build_memory_gb: float = DEFAULT_BUILD_MEMORY_GB
    retention: Path = DEFAULT_RETENTION

    HELP = {
        "db": "CX_DB: the warehouse file ingest and build write (the dashboard reads its published snapshot)",
        "pii_salt": "CX_PII_SALT: salt for hashing personal data (emails) at ingest; "
        "set your own secret in production",
        "explore_row_limit": "CX_EXPLORE_ROW_LIMIT: most rows an explore table (and its downloads) may have; "
        "a query over it is refused with a message",
        "access": "CX_ACCESS: the access file mapping people and e-mail domains to roles and scopes",
        "local_role": "CX_LOCAL_ROLE: in local mode (no sign-in configured), the one role the local user "
        "has instead of all of them, e.g. `executive` or `region_manager:North`",
        "targets": "CX_TARGETS: the retailer's targets and alert thresholds (versions), read with the "
        "versions the governance team saves in the dashboard",
        "max_error_share": "CX_MAX_ERROR_SHARE: share of bad rows (0 to 1) past which cx ingest refuses "
        "a file whole, once 10,000 rows are read; duplicate_key and not_a_fact rows do not count",
        "dashboard_url": "CX_DASHBOARD_URL: the dashboard's address, for the links in alerts",
        "smtp_url": "CX_SMTP_URL: the mail server alerts and board packs go through, smtp://host:587 or smtps://host:465",
        "smtp_user": "CX_SMTP_USER: the mail server's user name, if it needs one",
        "smtp_password": "CX_SMTP_PASSWORD: that user's password",
        "alert_from": "CX_ALERT_FROM: the sender address of alert and board pack e-mails",
        "alert_to": "CX_ALERT_TO: comma-separated addresses that get the whole business's alerts",
        "webhook_url": "CX_WEBHOOK_URL: a Slack or Teams incoming webhook, or any URL taking JSON, "
        "for alerts",
        "alert_recipients": "CX_ALERT_RECIPIENTS: a file naming who gets which region's or store's alerts; "
        "without it, the access file's managers do",
        "source_cadence_days": "CX_SOURCE_CADENCE_DAYS: days without a new ingest of a source before "
        "it is alerted as stale",
        "time_zone": "CX_TIME_ZONE: the business time zone (an IANA name such as Australia/Sydney or "
        "America/New_York) whose days and months the figures count, applied by cx build",
        "build_memory_gb": "CX_BUILD_MEMORY_GB: most memory (GB) DuckDB holds during cx build; past it, "
        "the build spills to a temporary folder beside the snapshots (slower, never out of memory)",
        "retention": "CX_RETENTION: the retailer's retention policy (TOML): how long orders, contacts, "
        "answers, comments, sessions, customers, quarantined rows and the audit log are kept; "
        "without the file, the defaults",
    }

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            db=db_from_env(env),
            pii_salt=env.get("CX_PII_SALT", cls.pii_salt),
            explore_row_limit=_positive_int(env, "CX_EXPLORE_ROW_LIMIT", DEFAULT_EXPLORE_ROW_LIMIT),
            access=Path(env.get("CX_ACCESS", str(DEFAULT_ACCESS))),
            local_role=env.get("CX_LOCAL_ROLE") or None,
            targets=Path(env.get("CX_TARGETS", str(DEFAULT_TARGETS))),
            max_error_share=_share(env, "CX_MAX_ERROR_SHARE", DEFAULT_MAX_ERROR_SHARE),
            dashboard_url=env.get("CX_DASHBOARD_URL") or None,
            smtp_url=env.get("CX_SMTP_URL") or None,
            smtp_user=env.get("CX_SMTP_USER") or None,
            smtp_password=env.get("CX_SMTP_PASSWORD") or None,
            alert_from=env.get("CX_ALERT_FROM") or cls.alert_from,
            alert_to=env.get("CX_ALERT_TO") or None,
            webhook_url=env.get("CX_WEBHOOK_URL") or None,
            alert_recipients=Path(env.get("CX_ALERT_RECIPIENTS", str(DEFAULT_RECIPIENTS))),
            source_cadence_days=_positive_int(env, "CX_SOURCE_CADENCE_DAYS", 2),
            time_zone=time_zone_from_env(env),
            build_memory_gb=build_memory_from_env(env),
            retention=Path(env.get("CX_RETENTION", str(DEFAULT_RETENTION))),
        )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _positive_int(env, name: str, default: int) -> int:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number above 0, not {text!r}")
    return value


def _share(env, name: str, default: float) -> float:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a share between 0 and 1 (0.5 = half), not {text!r}")
    return value


def build_memory_from_env(env: dict[str, str] | None = None) -> float:
    """CX_BUILD_MEMORY_GB, else 3; read on its own, as time_zone_from_env, for `cx build`."""
    env = os.environ if env is None else env
    text = env.get("CX_BUILD_MEMORY_GB")
    if text is None:
        return DEFAULT_BUILD_MEMORY_GB
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value >= 0.25:
        raise ValueError(f"CX_BUILD_MEMORY_GB must be a number of GB, at least 0.25, not {text!r}")
    return value


def time_zone_from_env(env: dict[str, str] | None = None) -> str:
    """CX_TIME_ZONE, else UTC; ValueError naming the setting for a name that is not a time zone.
    Read on its own, as db_from_env, so that `cx build` needs no other setting to be valid."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    env = os.environ if env is None else env
    name = (env.get("CX_TIME_ZONE") or DEFAULT_TIME_ZONE).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"CX_TIME_ZONE must be an IANA time zone name such as Australia/Sydney, not {name!r}"
        ) from None
    return name


def db_from_env(env: dict[str, str] | None = None) -> Path:
    """CX_DB, else data/warehouse.duckdb. Read on its own so that a bad value of another setting
    (CX_EXPLORE_ROW_LIMIT) stops only what uses it, not `cx build` or the dashboard's start."""
    env = os.environ if env is None else env
    return Path(env.get("CX_DB", str(DEFAULT_DB)))


def resolve_db(db: Path | None) -> Path:
    """--db wins, then CX_DB, then data/warehouse.duckdb."""
    return Path(db) if db else db_from_env()
