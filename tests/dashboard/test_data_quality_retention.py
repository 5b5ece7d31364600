"""Issue 16: the data-quality page shows the retention policy (CX_RETENTION over the defaults) beside
the oldest data kept of each kind, from the snapshot (mart_data_retention) and the audit folder."""

from __future__ import annotations

from config.retention import DEFAULTS, KINDS
from tests.dashboard.test_pages import open_page, table


def test_the_policy_and_the_oldest_data_kept(app, wh, monkeypatch, tmp_path):
    monkeypatch.setenv("CX_RETENTION", str(tmp_path / "none.toml"))  # no file: the defaults
    at = open_page(app(), "quality")
    shown = table(at, "Data kind", "Kept for", "Oldest kept", "Rows")
    assert shown["Data kind"].to_list() == list(KINDS)
    assert shown["Kept for"].to_list() == [DEFAULTS[k] for k in KINDS]
    kept = {r["data_kind"]: r for r in wh.data_kept().frame.to_dicts()}
    assert list(kept) == [k for k in KINDS if k != "audit"]
    for row in shown.to_dicts():
        if row["Data kind"] == "audit":
            continue
        expected = kept[row["Data kind"]]
        assert row["Rows"] == expected["count_rows"]
        oldest = expected["oldest_at"]
        assert row["Oldest kept"] == (None if oldest is None else str(oldest)[:19])
    assert kept["orders"]["count_rows"] > 0 and kept["order_headers"]["count_rows"] == 0
    assert (
        shown.filter(shown["Data kind"] == "orders")["Oldest kept"].item()
        == str(wh.scalar("select min(ordered_at) from fct_orders"))[:19]
    )
    assert any("policy: the defaults" in c.value for c in at.caption)


def test_the_retailers_policy_file_and_a_bad_one(app, monkeypatch, tmp_path):
    policy = tmp_path / "retention.toml"
    policy.write_text('[retention]\norders = "2 years"\ncomments = "forever"\nquarantine = 30\n')
    monkeypatch.setenv("CX_RETENTION", str(policy))
    at = open_page(app(), "quality")
    shown = table(at, "Data kind", "Kept for")
    kept_for = dict(zip(shown["Data kind"].to_list(), shown["Kept for"].to_list(), strict=True))
    assert kept_for["orders"] == "2 years" and kept_for["comments"] == "forever"
    assert kept_for["quarantine"] == "30 days" and kept_for["audit"] == "1 year"
    assert any("policy: retention.toml" in c.value for c in at.caption)

    policy.write_text('[retention]\norders = "soon"\n')
    at = open_page(app(), "quality")
    [error] = [e.value for e in at.error]
    assert "The retention policy cannot be used" in error and "orders" in error
    assert "Traceback" not in error
    table(at, "Source", "Latest data")  # the rest of the page is still there
