"""Who may see what: the governed access file, the roles, the pages each role sees and the writes
each role may make.

The access file (config/access.toml, or the path in CX_ACCESS) maps a person, or everyone signed in
from an e-mail domain the identity provider has verified, to a role and, for managers, a scope:

    [users."north.manager@example.com"]
    role = "region_manager"
    regions = ["North"]

    [domains."example.com"]
    role = "executive"

A `users` entry wins over a `domains` entry; anyone in neither is denied (default deny). A file
that does not parse, names an unknown role or key, or gives a manager no regions or stores stops
the app with a message saying so: it never fails open. The dashboard (app.py) and the command line
(`cx metrics --as EMAIL`) read the same file through `load` and `resolve`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.scope import EVERYTHING, Scope

EXAMPLE = Path(__file__).with_name("access.example.toml")  # the shape of a real one, for a new retailer
ROLES = ("executive", "governance", "analyst", "region_manager", "store_manager")
MANAGER_SCOPE = {"region_manager": "regions", "store_manager": "stores"}

# Page -> the roles that see it. The leadership pages are everyone's; the rest are named.
LEADERSHIP_PAGES = (
    "overview",
    "journey_funnel",
    "loyalty_tiers",
    "friction_costs",
    "roadmap",
    "voice_of_customer",  # a manager's follow-up list is their area's (scope)
)
PAGE_ROLES: dict[str, frozenset[str]] = {
    **{page: frozenset(ROLES) for page in LEADERSHIP_PAGES},
    "monthly_review": frozenset(ROLES),
    "data_quality": frozenset({"governance", "analyst"}),
    "explore": frozenset({"analyst"}),
    "audit": frozenset({"governance"}),
    "targets": frozenset({"governance"}),
}
# What a role may write (beside the read-only snapshot).
WRITE_ROLES: dict[str, frozenset[str]] = {
    "board_pack": frozenset({"governance"}),
    "assumptions": frozenset({"governance"}),
    "targets": frozenset({"governance"}),
    # the follow-up status of an answer (and the CRM export of the list): the people who call the
    # customers back (managers, in their area) and the governance team who run the loop; an
    # executive or an analyst reads the list and the closed-loop rate
    "follow_up": frozenset({"governance", "region_manager", "store_manager"}),
}
# Who may see the SQL behind a view and the quarantined rows.
SQL_ROLES = frozenset({"analyst", "governance"})


class AccessFileError(Exception):
    """The access file cannot be trusted: the app stops rather than guess."""


@dataclass(frozen=True)
class Grant:
    role: str
    scope: Scope = EVERYTHING


@dataclass(frozen=True)
class AccessFile:
    users: dict[str, Grant] = field(default_factory=dict)
    domains: dict[str, Grant] = field(default_factory=dict)
    path: Path | None = None


@dataclass(frozen=True)
class User:
    """A person as the dashboard and the command line see them."""

    email: str
    roles: frozenset[str]
    scope: Scope = EVERYTHING
    granted_by: str = ""  # "user entry", "domain example.com", "local mode"

    def can_see(self, page: str) -> bool:
        return bool(self.roles & PAGE_ROLES.get(page, frozenset()))

    def can(self, write: str) -> bool:
        return bool(self.roles & WRITE_ROLES.get(write, frozenset()))

    @property
    def sees_sql(self) -> bool:
        return bool(self.roles & SQL_ROLES)

    @property
    def role_label(self) -> str:
        return ", ".join(r.replace("_", " ") for r in ROLES if r in self.roles)


def load(path: Path) -> AccessFile:
    """The access file; a missing file is an empty one (everyone denied)."""
    path = Path(path)
    if not path.exists():
        return AccessFile(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccessFileError(f"access file {path.name} is not valid TOML: {exc}") from None
    unknown = set(data) - {"users", "domains"}
    if unknown:
        raise AccessFileError(
            f"access file {path.name}: unknown section {sorted(unknown)[0]!r} (expected users, domains)"
        )
    users = {k.strip().lower(): _grant(path, f"users.{k}", v) for k, v in _table(path, data, "users").items()}
    domains = {
        k.strip().lower().lstrip("@"): _grant(path, f"domains.{k}", v)
        for k, v in _table(path, data, "domains").items()
    }
    return AccessFile(users=users, domains=domains, path=path)


def _table(path: Path, data: dict, name: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise AccessFileError(f"access file {path.name}: [{name}] must be a table of entries")
    return value


def _grant(path: Path, where: str, entry) -> Grant:
    if not isinstance(entry, dict):
        raise AccessFileError(f"access file {path.name}: {where} must be a table with a role")
    unknown = set(entry) - {"role", "regions", "stores"}
    if unknown:
        raise AccessFileError(f"access file {path.name}: {where} has an unknown key {sorted(unknown)[0]!r}")
    role = entry.get("role")
    if role not in ROLES:
        raise AccessFileError(
            f"access file {path.name}: {where} has role {role!r}; expected one of {', '.join(ROLES)}"
        )
    lists = {}
    for key in ("regions", "stores"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise AccessFileError(f"access file {path.name}: {where}.{key} must be a list of names")
        lists[key] = tuple(v.strip() for v in value)
    needed = MANAGER_SCOPE.get(role)
    if needed is None:
        if lists["regions"] or lists["stores"]:
            raise AccessFileError(
                f"access file {path.name}: {where} is a {role}, who sees the whole business; "
                "regions and stores are for region_manager and store_manager"
            )
        return Grant(role)
    if not lists[needed]:
        raise AccessFileError(f"access file {path.name}: {where} is a {role} without {needed}")
    return Grant(role, Scope.of(regions=lists["regions"], stores=lists["stores"]))


def resolve(access: AccessFile, email: str | None, email_verified: bool | None = None) -> User | None:
    """The signed-in person's role and scope, or None (no access). A domain entry applies only
    to an address the identity provider says it verified."""
    if not email:
        return None
    email = email.strip().lower()
    grant, granted_by = access.users.get(email), "user entry"
    if grant is None and email_verified is True and "@" in email:
        domain = email.rsplit("@", 1)[1]
        grant, granted_by = access.domains.get(domain), f"domain {domain}"
    if grant is None:
        return None
    return User(email, frozenset({grant.role}), grant.scope, granted_by)


def local_user(local_role: str | None = None) -> User:
    """The person at the machine in local mode (no sign-in configured): every role, the whole
    business; CX_LOCAL_ROLE narrows it to one role, e.g. `analyst` or `region_manager:North,South`."""
    if not local_role:
        return User("local", frozenset(ROLES), EVERYTHING, "local mode")
    role, _, values = local_role.partition(":")
    role = role.strip()
    if role not in ROLES:
        raise AccessFileError(f"CX_LOCAL_ROLE {local_role!r}: expected one of {', '.join(ROLES)}")
    names = tuple(v.strip() for v in values.split(",") if v.strip())
    needed = MANAGER_SCOPE.get(role)
    if needed and not names:
        raise AccessFileError(f"CX_LOCAL_ROLE {local_role!r}: a {role} needs {needed}, e.g. {role}:North")
    if not needed and names:
        raise AccessFileError(f"CX_LOCAL_ROLE {local_role!r}: a {role} sees the whole business")
    scope = EVERYTHING if not needed else Scope.of(**{needed: names})
    return User("local", frozenset({role}), scope, "local mode")
