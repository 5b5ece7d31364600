"""Sign-in, roles and scope in the app (issue 10), per role and for every page: what each person
sees and what they do not, on the seeded warehouse with sign-in configured."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
import streamlit.config as st_config

from config.access import PAGE_ROLES
from dashboard import board_pack
from dashboard.labels import escape_markdown
from dashboard.navigation import PAGES
from tests.dashboard.test_pages import tile
from warehouse import audit
from warehouse.filters import Filters
from warehouse.metrics import METRICS
from warehouse.scope import Scope

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {
    "executive": "exec@example.com",
    "governance": "gov@example.com",
    "analyst": "analyst@example.com",
    "region_manager": "north@example.com",
    "store_manager": "store@example.com",
}
LEADERSHIP = {
    "overview",
    "journey_funnel",
    "loyalty_tiers",
    "friction_costs",
    "roadmap",
    "voice_of_customer",
    "monthly_review",
}
SEES = {
    "executive": LEADERSHIP,
    "governance": LEADERSHIP | {"data_quality", "audit", "targets"},
    "analyst": LEADERSHIP | {"data_quality", "explore"},
    "region_manager": LEADERSHIP,
    "store_manager": LEADERSHIP,
}


def registered(at) -> set[str]:
    """The pages of pages/ the navigation offers (signed out: none, only app.py itself)."""
    return {Path(p["script_path"]).stem for p in at._registered_pages.values()} - {"app"}


@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_role_sees_its_pages_and_only_those(as_user, role):
    at = as_user(PEOPLE[role])
    at.run()
    assert not at.exception
    assert registered(at) == SEES[role]
    for page in SEES[role]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (role, page, [e.value for e in at.exception])
        assert not any("Error id" in e.value for e in at.error), (role, page, [e.value for e in at.error])
        assert at.title[0].value, (role, page)
    for page in set(PAGE_ROLES) - SEES[role]:  # neither listed nor reachable by its URL
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")


def test_every_page_declares_its_roles():
    assert set(PAGES) == set(PAGE_ROLES) == {p.stem for p in (ROOT / "pages").glob("*.py")}


def test_a_region_manager_sees_their_region_even_when_the_url_asks_for_another(as_user, wh):
    at = as_user("north@example.com", {"region": "South"})
    at.run()
    assert not at.exception
    assert any("“South” is not one of the choices" in w.body for w in at.warning), [
        w.body for w in at.warning
    ]
    assert [o for o in at.multiselect(key="region").options] == ["North"]
    as_of = wh.as_of()
    north = Filters(date_from=as_of - timedelta(days=89), date_to=as_of, region=("North",))
    expected = {r["metric"]: r for r in wh.metrics(north).frame.to_dicts()}
    for key in ("nps", "aov", "csat"):
        assert tile(at, key)["value"] == METRICS[key].fmt(expected[key]["value"])
    whole = {
        r["metric"]: r for r in wh.metrics(Filters(date_from=north.date_from, date_to=as_of)).frame.to_dicts()
    }
    assert whole["aov"]["value"] != expected["aov"]["value"]  # the check above could tell them apart
    assert any("your scope\\: region North" in c.value for c in at.caption)  # (escaped: plain text)


def test_a_store_manager_is_offered_only_their_store(as_user):
    at = as_user("store@example.com")
    at.run()
    assert not at.exception
    assert [o for o in at.multiselect(key="store").options] and all(
        "(ST012)" in o for o in at.multiselect(key="store").options
    )


def test_signed_out_visitors_get_the_sign_in_page_and_no_data(as_user):
    at = as_user(None, {"region": "North", "period": "Last 30 days"})
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.multiselect and not at.get("plotly_chart")
    assert not any("data-metric" in m.value for m in at.markdown)
    assert registered(at) == set()


@pytest.mark.parametrize(
    ("email", "verified"),
    [("stranger@elsewhere.net", True), ("someone@example.org", False), ("someone@example.org", None)],
)
def test_people_not_in_the_access_file_get_no_access(as_user, email, verified):
    at = as_user(email, verified=verified)
    at.run()
    assert not at.exception
    assert at.title[0].value == "No access"
    assert "ask your CX governance team" in at.warning[0].body
    assert not at.dataframe and registered(at) == set()


def test_a_verified_domain_gets_its_role(as_user):
    at = as_user("someone@example.org", verified=True)
    at.run()
    assert registered(at) == SEES["executive"]


def test_a_malformed_access_file_closes_the_dashboard(as_user, tmp_path):
    (tmp_path / "access.toml").write_text('[users."exec@example.com"]\nrole = "boss"\n')
    at = as_user("exec@example.com")
    at.run()
    assert not at.exception
    assert "closed until its access file is fixed" in at.error[0].value
    assert "role 'boss'" in at.error[0].value
    assert not at.dataframe and registered(at) == set()


def test_local_mode_serves_loopback_only(app):
    at = app()
    previous = st_config.get_option("server.address")
    try:
        st_config.set_option("server.address", "0.0.0.0")
        at.run()
        assert "Sign-in is not configured" in at.error[0].value
        assert not at.dataframe and registered(at) == set()
        st_config.set_option("server.address", "127.0.0.1")
        at.run()
        assert any("Local mode" in c.value for c in at.caption)
        assert registered(at) == set(PAGE_ROLES)
    finally:
        st_config.set_option("server.address", previous)


def test_local_role_narrows_local_mode(app, monkeypatch):
    monkeypatch.setenv("CX_LOCAL_ROLE", "region_manager:North")
    at = app()
    at.run()
    assert registered(at) == SEES["region_manager"]
    assert at.multiselect(key="region").options == ["North"]


def test_a_failing_page_shows_an_error_id_not_a_traceback(as_user, monkeypatch):
    from dashboard import data

    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path/warehouse.duckdb")

    monkeypatch.setattr(data, "tier_performance", broken)
    at = as_user("exec@example.com")
    at.run()
    at.switch_page("pages/loyalty_tiers.py").run()
    assert not at.exception
    text = " ".join(e.value for e in at.error)
    assert "Error id" in text and "/srv/secret" not in text and "RuntimeError" not in text


def test_only_governance_can_make_a_board_pack(as_user):
    for email, can in (("exec@example.com", False), ("north@example.com", False), ("gov@example.com", True)):
        at = as_user(email)
        at.run()
        at.switch_page("pages/monthly_review.py").run()
        assert not at.exception
        makes = any(b.key == "make_pack" for b in at.button)
        frozen = any(b.key == "pack_html" for b in at.get("download_button"))
        assert (makes or frozen) if can else not makes
        assert not any("/" in m.value and "board_packs" in m.value for m in at.markdown)  # no server path


def test_sql_is_shown_to_analysts_and_governance_only(as_user):
    for email, shown in (
        ("exec@example.com", False),
        ("analyst@example.com", True),
        ("gov@example.com", True),
    ):
        at = as_user(email)
        at.run()
        at.switch_page("pages/friction_costs.py").run()
        assert bool(at.code) is shown, email


def test_sign_in_and_page_views_are_audited(as_user, seeded_db):
    at = as_user("gov@example.com")
    at.run()
    at.switch_page("pages/roadmap.py").run()
    log = audit.read(seeded_db)
    mine = log.filter(log["user"] == "gov@example.com")
    assert "sign_in" in mine["event"].to_list()
    views = mine.filter(mine["event"] == "page_view")
    assert {"overview", "roadmap"} <= set(views["page"].to_list())
    assert views["role"][0] == "governance"
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    assert at.dataframe and "gov@example.com" in at.dataframe[0].value["user"].to_list()


def test_a_board_pack_is_keyed_by_scope(tmp_path):
    month = date(2026, 3, 1)
    whole = board_pack.pack_path(tmp_path, month, Filters())
    north = board_pack.pack_path(tmp_path, month, Filters(scope=Scope.of(regions=["North"])))
    assert whole != north
    assert board_pack.pack_path(tmp_path, month, Filters(region=("North",))) != north


def test_data_text_is_plain_text():
    hostile = "[help](http://evil.example) ![x](http://evil.example/i.png) <img src=x> :red[alarm]"
    escaped = escape_markdown(hostile)
    for safe in ("\\[help\\]", "\\!\\[x\\]", "\\<img", "\\:red\\["):
        assert safe in escaped
    assert escaped.replace("\\", "") == hostile


def test_a_hostile_url_value_is_named_as_plain_text(as_user):
    at = as_user("exec@example.com", {"region": "![x](http://evil.example/i.png)"})
    at.run()
    body = " ".join(w.body for w in at.warning)
    assert "is not one of the choices" in body and "![" not in body and "](" not in body


def test_server_settings_are_hardened():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert "evil.example" not in config["server"]["allowedHosts"]
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["client"]["disableDataExport"] is True


def test_an_invalid_url_filter_is_named_not_silently_replaced(as_user):
    at = as_user("exec@example.com", {"period": "Custom dates", "from": "2026-02-30", "store": "ST999"})
    at.run()
    assert not at.exception
    notices = " ".join(w.body for w in at.warning)
    assert "“from” date “2026\\-02\\-30” is not a date" in notices
    assert "store “ST999” is not one of the choices" in notices
