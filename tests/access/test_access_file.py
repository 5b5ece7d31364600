"""The access file (config/access.py): valid/invalid pairs, who wins, default deny, local mode."""

from __future__ import annotations

import textwrap

import pytest

from config import access
from config.access import AccessFileError
from warehouse.scope import EVERYTHING, Scope

VALID = """
[users."Exec@Example.com"]
role = "executive"

[users."north.manager@example.com"]
role = "region_manager"
regions = ["North"]

[users."st012.manager@example.com"]
role = "store_manager"
stores = ["ST012"]

[users."gov@other.org"]
role = "governance"

[domains."example.com"]
role = "analyst"
"""


def write(tmp_path, text: str):
    path = tmp_path / "access.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def file(tmp_path):
    return access.load(write(tmp_path, VALID))


def test_a_user_entry_gives_role_and_scope(file):
    north = access.resolve(file, "north.manager@example.com", email_verified=True)
    assert north.roles == {"region_manager"} and north.scope == Scope.of(regions=["North"])
    store = access.resolve(file, "st012.manager@example.com")
    assert store.roles == {"store_manager"} and store.scope == Scope.of(stores=["ST012"])
    assert access.resolve(file, "gov@other.org").scope == EVERYTHING


def test_emails_compare_case_insensitively(file):
    assert access.resolve(file, "  EXEC@example.COM ").roles == {"executive"}


def test_a_user_entry_wins_over_its_domain(file):
    assert access.resolve(file, "exec@example.com", email_verified=True).roles == {"executive"}


def test_a_domain_entry_needs_a_verified_address(file):
    assert access.resolve(file, "someone@example.com", email_verified=True).roles == {"analyst"}
    assert access.resolve(file, "someone@example.com", email_verified=False) is None
    assert access.resolve(file, "someone@example.com", email_verified=None) is None


def test_anyone_else_is_denied(file):
    assert access.resolve(file, "stranger@elsewhere.net", email_verified=True) is None
    assert access.resolve(file, None) is None
    assert access.resolve(file, "") is None


def test_a_missing_file_denies_everyone(tmp_path):
    assert access.resolve(access.load(tmp_path / "absent.toml"), "exec@example.com", True) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[users."a@b.c"\nrole = "executive"', "not valid TOML"),
        ('[users."a@b.c"]\nrole = "ceo"', "role 'ceo'"),
        ('[users."a@b.c"]\nrole = "region_manager"', "without regions"),
        ('[users."a@b.c"]\nrole = "store_manager"\nregions = ["North"]', "without stores"),
        ('[users."a@b.c"]\nrole = "executive"\nregions = ["North"]', "sees the whole business"),
        ('[users."a@b.c"]\nrole = "executive"\nrols = "x"', "unknown key 'rols'"),
        ('[groups."x"]\nrole = "executive"', "unknown section 'groups'"),
        ('[users."a@b.c"]\nrole = "region_manager"\nregions = "North"', "must be a list"),
        ('users = "everyone"', "must be a table"),
    ],
)
def test_a_malformed_file_is_refused_with_its_reason(tmp_path, text, words):
    with pytest.raises(AccessFileError, match=words.replace("(", r"\(")):
        access.load(write(tmp_path, text))


def test_pages_and_writes_per_role(file):
    gov = access.resolve(file, "gov@other.org")
    north = access.resolve(file, "north.manager@example.com")
    analyst = access.resolve(file, "someone@example.com", email_verified=True)
    executive = access.resolve(file, "exec@example.com")
    leadership = set(access.LEADERSHIP_PAGES) | {"monthly_review"}
    seen = {u.email: {p for p in access.PAGE_ROLES if u.can_see(p)} for u in (gov, north, analyst, executive)}
    assert seen["exec@example.com"] == leadership
    assert seen["north.manager@example.com"] == leadership
    assert seen["gov@other.org"] == leadership | {"data_quality", "audit", "targets"}
    assert seen["someone@example.com"] == leadership | {"data_quality", "explore"}
    assert gov.can("board_pack") and gov.can("assumptions") and not executive.can("board_pack")
    assert north.can("follow_up") and not north.can("board_pack") and not analyst.can("board_pack")
    assert analyst.sees_sql and gov.sees_sql and not executive.sees_sql and not north.sees_sql


def test_local_mode_has_every_role_unless_narrowed():
    assert access.local_user().roles == set(access.ROLES)
    assert access.local_user().scope == EVERYTHING
    assert access.local_user("executive").roles == {"executive"}
    north = access.local_user("region_manager:North, South")
    assert north.roles == {"region_manager"} and north.scope == Scope.of(regions=["North", "South"])
    for bad in ("ceo", "region_manager", "analyst:North"):
        with pytest.raises(AccessFileError, match="CX_LOCAL_ROLE"):
            access.local_user(bad)


def test_the_example_access_file_parses():
    example = access.load(access.EXAMPLE)
    assert example.users and example.domains
