"""Issue 16.2: the retention policy (defaults, the retailer's file), `cx retention [--apply]` and the
drop folder applying it: what passed its period is deleted from the ingest database, the audit log
and the snapshots; what is within it stays."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from config.retention import DEFAULTS, KINDS, Period, RetentionError, default_policy, load_policy
from config.settings import Settings
from ingest.run import ingest_paths
from ops.retention import retention
from warehouse import snapshots
from warehouse.build import build

runner = CliRunner()
TODAY = datetime.now(UTC).date()
OLD = TODAY - timedelta(days=3 * 365)  # past 2 years, within 7
ANCIENT = TODAY.replace(year=TODAY.year - 9)  # past 7 years
RECENT = TODAY - timedelta(days=30)


def at(day: date) -> str:
    return f"{day} 10:00:00"


ORDERS = (
    "order_id,line_no,ordered_at,store_id,channel,customer_id,sku,quantity,unit_price\n"
    f"O1,1,{at(ANCIENT)},S1,store,C1,K,1,10\n"
    f"O2,1,{at(OLD)},S1,store,C1,K,1,20\n"
    f"O3,1,{at(RECENT)},S1,web,C2,K,1,30\n"
)
SURVEYS = (
    "response_id,survey,score,answered_at,customer_id,comment\n"
    f"R1,nps,9,{at(OLD)},C1,the delivery was late again this month\n"
    f"R2,nps,3,{at(RECENT)},C2,bad\n"
)
CUSTOMERS = (
    "customer_id,tier,tier_since,email\n"
    f"C1,bronze,{ANCIENT},c1@example.com\n"  # ended before the cut-off: gone
    f"C1,silver,{ANCIENT + timedelta(days=1)},c1@example.com\n"  # held until 3 years ago: kept
    f"C1,gold,{OLD},c1@example.com\n"
    f"C9,none,{ANCIENT},c9@example.com\n"  # nothing else of C9: gone after 7 years
    f"C9,silver,{ANCIENT + timedelta(days=1)},c9@example.com\n"
)
STORES = "store_id,name,region\nS1,One,North\n"


def test_periods_and_the_policy_file(tmp_path):
    assert {k: str(p) for k, p in default_policy().periods.items()} == DEFAULTS
    assert list(DEFAULTS) == list(KINDS)
    assert Period(1, "years").cutoff(date(2028, 2, 29)) == date(2027, 2, 28)
    assert Period(18, "months").cutoff(date(2026, 11, 30)) == date(2025, 5, 30)
    assert Period(90, "days").cutoff(date(2026, 11, 30)) == date(2026, 9, 1)
    path = tmp_path / "retention.toml"
    assert load_policy(path).origin == "defaults"  # no file
    path.write_text('[retention]\norders = "2 Years"\naudit = "forever"\nquarantine = 30\n')
    policy = load_policy(path)
    assert (str(policy.periods["orders"]), policy.periods["audit"], str(policy.periods["quarantine"])) == (
        "2 years",
        None,
        "30 days",
    )
    assert str(policy.periods["comments"]) == "2 years"  # left out: the default
    for text, named in (
        ('[retention]\norderz = "1 year"\n', "unknown kind orderz"),
        ('[retention]\norders = "soon"\n', "orders"),
        ("[retention]\norders = 0\n", "orders"),
        ('[keep]\norders = "1 year"\n', "one table [retention]"),
        ("[retention\n", "cannot be read"),
    ):
        path.write_text(text)
        with pytest.raises(RetentionError, match=named.replace("[", r"\[")):
            load_policy(path)


@pytest.fixture
def warehouse(tmp_path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    files = []
    for name, text in (
        ("stores", STORES),
        ("customers", CUSTOMERS),
        ("orders", ORDERS),
        ("surveys", SURVEYS),
    ):
        (folder / f"{name}.csv").write_text(text)
        files.append(folder / f"{name}.csv")
    db = tmp_path / "wh" / "warehouse.duckdb"
    results = ingest_paths(files, db, settings=Settings(pii_salt="s"))
    assert {r.status for r in results} == {"loaded"}, [r.message for r in results]
    con = duckdb.connect(str(db))
    con.execute(  # a quarantine row of long ago, one of today
        "insert into meta.quarantine (run_id, file_id, file_name, source, row_number, rule, quarantined_at) "
        "values "
        "('r0', 'f0', 'old.csv', 'orders', 1, 'missing_required', $old), "
        "('r1', 'f1', 'new.csv', 'orders', 1, 'missing_required', $new)",
        {"old": datetime.combine(TODAY - timedelta(days=91), datetime.min.time()), "new": datetime.now()},
    )
    con.close()
    build(db)
    build(db)
    audit = db.parent / "audit"
    audit.mkdir()
    old_month = TODAY.replace(day=1) - timedelta(days=400)
    (audit / f"audit-{old_month:%Y-%m}.jsonl").write_text('{"event": "cli"}\n')
    (audit / f"audit-{TODAY:%Y-%m}.jsonl").write_text('{"event": "cli"}\n')
    return db


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_cx_retention_shows_then_applies_the_policy(warehouse, monkeypatch, tmp_path):
    db = warehouse
    monkeypatch.setenv("CX_RETENTION", str(tmp_path / "no-such-file.toml"))  # the defaults
    before = sorted(p.name for p in snapshots.serving_dir(db).iterdir())
    shown = runner.invoke(app, ["retention", "--db", str(db), "--json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)
    assert set(report) == {"policy", "today", "applied", "kinds", "snapshot"}
    past = {k["kind"]: k["past"] for k in report["kinds"]}
    assert past == {
        "orders": 1, "order_headers": 0, "customers": 3, "contacts": 0, "surveys": 0, "comments": 1,
        "sessions": 0, "quarantine": 1, "audit": 1,
    }  # fmt: skip
    oldest = {k["kind"]: k["oldest"] for k in report["kinds"]}
    assert oldest["orders"] == f"{ANCIENT} 10:00:00" and oldest["customers"] == str(ANCIENT)
    assert sorted(p.name for p in snapshots.serving_dir(db).iterdir()) == before  # shown only

    applied = runner.invoke(app, ["retention", "--db", str(db), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "orders         kept 7 years" in applied.output and "removed 1" in applied.output
    assert rows(db, "select order_id from raw.orders order by 1") == [("O2",), ("O3",)]
    # the comment of three years ago is blanked, its score stays (answers are kept 3 years)
    assert rows(db, "select response_id, score, comment from raw.surveys order by 1") == [
        ("R1", 9, None),
        ("R2", 3, "bad"),
    ]
    # C1's bronze spell ended before the cut-off; C9 has nothing else kept
    assert rows(db, "select customer_id, tier from raw.customers order by tier_since") == [
        ("C1", "silver"),
        ("C1", "gold"),
    ]
    assert rows(db, "select file_name from meta.quarantine") == [("new.csv",)]
    assert [p.name for p in sorted((db.parent / "audit").glob("audit-*.jsonl"))] == [
        f"audit-{TODAY:%Y-%m}.jsonl"
    ]
    # one snapshot is left, built without what was deleted
    left = sorted(snapshots.serving_dir(db).glob("snapshot-*.duckdb"))
    assert left == [snapshots.current_snapshot(db)]
    assert rows(left[0], "select count(*) from fct_orders") == [(2,)]
    kept = dict(
        (k, (str(o)[:10] if o else None, n))
        for k, o, n in rows(left[0], "select data_kind, oldest_at, count_rows from mart_data_retention")
    )
    assert kept["orders"] == (str(OLD), 2) and kept["comments"] == (str(RECENT), 1)
    lines = [
        json.loads(x) for x in (db.parent / "audit" / f"audit-{TODAY:%Y-%m}.jsonl").read_text().splitlines()
    ]
    assert lines[-1]["event"] == "retention"
    assert json.loads(lines[-1]["detail"])["removed"] == {
        "orders": 1, "customers": 3, "comments": 1, "quarantine": 1, "audit": 1,
    }  # fmt: skip
    again = retention(db, default_policy(), TODAY)
    assert sum(k.past for k in again.kinds) == 0


def test_a_bad_policy_file_is_one_line(warehouse, monkeypatch, tmp_path):
    policy = tmp_path / "retention.toml"
    policy.write_text('[retention]\nsessions = "a while"\n')
    monkeypatch.setenv("CX_RETENTION", str(policy))
    result = runner.invoke(app, ["retention", "--db", str(warehouse), "--apply"])
    assert result.exit_code == 1
    assert result.output.startswith("cx retention: retention policy retention.toml: sessions: a period")
    assert rows(warehouse, "select count(*) from raw.orders") == [(3,)]


def test_the_drop_folder_applies_the_policy(tmp_path, monkeypatch):
    policy = tmp_path / "retention.toml"
    policy.write_text('[retention]\norders = "1 year"\n')
    monkeypatch.setenv("CX_RETENTION", str(policy))
    monkeypatch.setenv("CX_PII_SALT", "s")
    inbox, db = tmp_path / "inbox", tmp_path / "wh" / "warehouse.duckdb"
    inbox.mkdir()
    (inbox / "stores.csv").write_text(STORES)
    (inbox / "orders.csv").write_text(ORDERS)
    result = runner.invoke(app, ["inbox", str(inbox), "--db", str(db), "--no-alerts", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["retention"] == {"policy": str(policy), "removed": {"orders": 2}}
    assert out["built"] is True
    assert rows(db, "select order_id from raw.orders") == [("O3",)]
    assert rows(snapshots.current_snapshot(db), "select order_id from fct_orders") == [("O3",)]


def test_follow_ups_go_with_the_answers_the_policy_deletes(warehouse, tmp_path):
    """An answer past its period takes its follow-up (status, history, the staff's notes) with it;
    a follow-up of a kept answer stays."""
    from warehouse import followups

    with followups.open_store(warehouse) as store:
        store.set_status("R1", "contacted", "gov@example.com", "called C1 about the late delivery")
        store.set_status("R2", "resolved", "gov@example.com", "refunded")
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('[retention]\nsurveys = "1 year"\n')
    report = retention(warehouse, load_policy(policy_file), TODAY, apply=True)
    assert {k.kind: k.removed for k in report.kinds}["surveys"] == 1
    with followups.open_store(warehouse) as store:
        assert store.current()["response_id"].to_list() == ["R2"]
        assert store.history()["response_id"].to_list() == ["R2"]


def test_scores_go_with_the_comments_the_policy_removes(warehouse):
    """A blanked comment (past `comments`) leaves no VoC score behind: its language, sentiment,
    theme and text's md5 are derived from the text."""
    con = duckdb.connect(str(warehouse))
    con.execute(
        "insert into voc.comment_scores values "
        "('R1', 'md5-1', 'en', -0.6, 'late · delivery', 1, 'fold 1'), "
        "('R2', 'md5-2', 'en', -0.9, 'bad', 1, 'fold 2')"
    )
    con.close()
    retention(warehouse, default_policy(), TODAY, apply=True)  # R1's comment is 3 years old
    assert rows(warehouse, "select response_id from voc.comment_scores order by 1") == [("R2",)]
