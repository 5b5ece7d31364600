"""Every setting has a default, a help text, and a row in the README's settings table."""

from pathlib import Path

from cli.settings import Settings

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
