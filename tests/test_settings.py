"""Every setting has a default, a help text, and a row in the README's settings table."""

from pathlib import Path

from config.settings import Settings, resolve_db

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    for name in Settings.names():
        env = f"CX_{name.upper()}"
        assert name in Settings.HELP, name
        assert f"`{env}`" in README, f"{env} missing from the README settings table"


def test_env_overrides_defaults(tmp_path):
    s = Settings.from_env({"CX_DB": str(tmp_path / "x.duckdb")})
    assert s.db == tmp_path / "x.duckdb"
    assert Settings.from_env({}).db == Path("data/warehouse.duckdb")


def test_a_bad_explore_limit_does_not_stop_finding_the_warehouse(tmp_path, monkeypatch):
    # cx build, cx demo and the dashboard's start read CX_DB only; the limit is checked where used
    monkeypatch.setenv("CX_EXPLORE_ROW_LIMIT", "abc")
    monkeypatch.setenv("CX_DB", str(tmp_path / "x.duckdb"))
    assert resolve_db(None) == tmp_path / "x.duckdb"
    assert resolve_db(Path("y.duckdb")) == Path("y.duckdb")
