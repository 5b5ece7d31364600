"""The retention policy: how long each kind of data is kept (the retailer's, from CX_RETENTION).

A TOML file with one table; a kind it leaves out keeps its default, `"forever"` keeps it always:

    [retention]
    orders = "7 years"
    comments = "2 years"      # survey comments are blanked; the score stays (surveys)
    quarantine = "90 days"
    audit = "1 year"

Periods are `N days`, `N months` or `N years` (or a whole number of days). What each kind is and
which date counts is in KINDS; ops.retention applies the policy, the data-quality page shows it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

DEFAULT_RETENTION = Path("config/retention.toml")

# kind -> (what it is, the date its age is counted from)
KINDS = {
    "orders": ("order lines", "ordered_at"),
    "order_headers": ("order headers (Olist orders)", "ordered_at"),
    "customers": (
        "customer tier spells: a spell ended before the cut-off, or any spell of a customer with no "
        "order, contact, answer or session left",
        "tier_since",
    ),
    "contacts": ("support contacts", "opened_at"),
    "surveys": ("survey answers (with their comments)", "answered_at"),
    "comments": ("the comment of a survey answer (blanked; the score stays)", "answered_at"),
    "sessions": ("web and app sessions", "started_at"),
    "quarantine": ("quarantined rows (their records)", "quarantined_at"),
    "audit": ("audit log months", "the month's last day"),
}
DEFAULTS = {
    "orders": "7 years",
    "order_headers": "7 years",
    "customers": "7 years",
    "contacts": "3 years",
    "surveys": "3 years",
    "comments": "2 years",
    "sessions": "2 years",
    "quarantine": "90 days",
    "audit": "1 year",
}
FOREVER = ("forever", "keep")
_PERIOD = re.compile(r"^\s*(\d+)\s*(day|days|month|months|year|years)\s*$", re.I)


class RetentionError(ValueError):
    """The policy file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # days | months | years

    def cutoff(self, today: date) -> date:
        """The first day still kept: data dated before it has passed the period."""
        if self.unit == "days":
            return today - timedelta(days=self.amount)
        months = today.year * 12 + today.month - 1 - self.amount * (12 if self.unit == "years" else 1)
        year, month = divmod(months, 12)
        for day in (today.day, 30, 29, 28):  # 29 February minus a year: 28 February
            try:
                return date(year, month + 1, day)
            except ValueError:
                continue
        raise AssertionError("unreachable")  # pragma: no cover

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit.removesuffix("s")
        return f"{self.amount} {unit}"


def parse_period(value, where: str) -> Period | None:
    """A period from the policy file (None: kept forever)."""
    if isinstance(value, bool):
        raise RetentionError(f'{where}: a period such as "2 years" or "90 days", not {value!r}')
    if isinstance(value, int):
        if value < 1:
            raise RetentionError(f"{where}: a number of days above 0, not {value}")
        return Period(value, "days")
    if isinstance(value, str) and value.strip().lower() in FOREVER:
        return None
    match = _PERIOD.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) < 1:
        raise RetentionError(
            f'{where}: a period such as "7 years", "18 months" or "90 days" (or "forever"), not {value!r}'
        )
    unit = match[2].lower()
    return Period(int(match[1]), unit if unit.endswith("s") else unit + "s")


@dataclass(frozen=True)
class Policy:
    periods: dict[str, Period | None]
    origin: str  # the file it came from, or "defaults"

    def describe(self, kind: str) -> str:
        period = self.periods[kind]
        return "forever" if period is None else str(period)


def default_policy() -> Policy:
    return Policy({k: parse_period(v, k) for k, v in DEFAULTS.items()}, "defaults")


def load_policy(path: Path | None) -> Policy:
    """The policy of the file `path` over the defaults; the defaults alone when there is no file."""
    policy = default_policy()
    if path is None or not Path(path).exists():
        return policy
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RetentionError(f"retention policy {Path(path).name}: cannot be read: {exc}") from None
    unknown_tables = sorted(set(data) - {"retention"})
    table = data.get("retention", {})
    if unknown_tables or not isinstance(table, dict):
        raise RetentionError(
            f"retention policy {Path(path).name}: one table [retention] expected, found "
            f"{', '.join(unknown_tables) or type(table).__name__}"
        )
    unknown = sorted(set(table) - set(KINDS))
    if unknown:
        raise RetentionError(
            f"retention policy {Path(path).name}: unknown kind {', '.join(unknown)}; the kinds are "
            f"{', '.join(KINDS)}"
        )
    periods = dict(policy.periods)
    for kind, value in table.items():
        periods[kind] = parse_period(value, f"retention policy {Path(path).name}: {kind}")
    return Policy(periods, str(path))
