"""Who hears of which breaches.

- The whole business's breaches (and stale sources, failed inbox files) go to `CX_ALERT_TO` by
  e-mail and to the `CX_WEBHOOK_URL` channel.
- A region's or store's breaches go to its managers: the people of the recipients file
  (`CX_ALERT_RECIPIENTS`) when it exists, else the access file's region and store managers. Each is
  evaluated in that person's scope, so a manager hears of what they can see on their pages.

A recipients file:

    [[recipient]]
    email = "north.manager@example.com"
    regions = ["North"]
    [[recipient]]
    email = "st012.manager@example.com"
    stores = ["ST012"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from warehouse.scope import EVERYTHING, Scope


@dataclass(frozen=True)
class Audience:
    scope: Scope
    emails: tuple[str, ...] = ()
    webhook: bool = False


class RecipientsError(ValueError):
    pass


def split_emails(text: str | None) -> tuple[str, ...]:
    return tuple(e.strip() for e in (text or "").replace(";", ",").split(",") if e.strip())


def audiences(
    alert_to: tuple[str, ...], webhook: bool, recipients_file: Path | None, access_file: Path | None
) -> list[Audience]:
    out = [Audience(EVERYTHING, alert_to, webhook)] if (alert_to or webhook) else []
    by_scope: dict[Scope, list[str]] = {}
    for email, scope in scoped_people(recipients_file, access_file):
        by_scope.setdefault(scope, []).append(email)
    out += [Audience(scope, tuple(sorted(set(emails)))) for scope, emails in by_scope.items()]
    return out


def scoped_people(recipients_file: Path | None, access_file: Path | None) -> list[tuple[str, Scope]]:
    if recipients_file and Path(recipients_file).exists():
        return read_recipients(Path(recipients_file))
    if access_file and Path(access_file).exists():
        from config import access

        loaded = access.load(Path(access_file))
        return [(email, g.scope) for email, g in loaded.users.items() if g.scope.restricted]
    return []


def read_recipients(path: Path) -> list[tuple[str, Scope]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RecipientsError(f"recipients file {path.name} is not valid TOML: {exc}") from None
    people = []
    for i, entry in enumerate(data.get("recipient", []), 1):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("email"), str)
            or "@" not in entry["email"]
        ):
            raise RecipientsError(f"recipients file {path.name}: recipient {i} needs an email")
        regions, stores = entry.get("regions", []), entry.get("stores", [])
        if not isinstance(regions, list) or not isinstance(stores, list) or not (regions or stores):
            raise RecipientsError(
                f"recipients file {path.name}: {entry['email']} needs a list of regions or stores"
            )
        people.append((entry["email"].strip().lower(), Scope.of(regions, stores)))
    return people
