"""`cx ingest`: JSON lines output, exit status, directories, and the build afterwards."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.command_ingest import RESULT_KEYS
from cli.main import app

from .exports import BASE, SALT, csv_with, query

runner = CliRunner()
ENV = {"CX_PII_SALT": SALT}


def _lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_json_lines_and_exit_1_on_refusal(write, db):
    good = write("orders.csv", csv_with("orders", quantity="-4"))
    empty = write("surveys.csv", "")
    result = runner.invoke(
        app, ["ingest", str(good), str(empty), "--db", str(db), "--json", "--no-build"], env=ENV
    )
    assert result.exit_code == 1, result.output
    lines = _lines(result.stdout)
    assert [tuple(d) for d in lines] == [RESULT_KEYS, RESULT_KEYS]
    assert lines[0] | {"message": None} == {
        "file": str(good),
        "source": "orders",
        "profile": "canonical_orders",
        "rows_read": 2,
        "rows_loaded": 1,
        "rows_quarantined": 1,
        "status": "loaded",
        "message": None,
    }
    assert lines[1]["status"] == "refused" and lines[1]["message"].endswith("found empty file")


def test_exit_0_when_nothing_refused_and_duplicates_are_fine(write, db):
    path = write("stores.csv", BASE["stores"])
    args = ["ingest", str(path), "--db", str(db), "--json", "--no-build"]
    first = runner.invoke(app, args, env=ENV)
    second = runner.invoke(app, args, env=ENV)
    assert (first.exit_code, second.exit_code) == (0, 0), second.output
    assert _lines(second.stdout)[0]["status"] == "duplicate"


def test_directory_expands_to_exports_and_skips_manifest(write, db, tmp_path):
    write("orders.csv", BASE["orders"])
    write("nested/customers.csv", BASE["customers"])
    write("manifest.json", json.dumps({"files": {}}))
    write("README.txt.bak", "not an export")
    result = runner.invoke(
        app, ["ingest", str(tmp_path / "exports"), "--db", str(db), "--json", "--no-build"], env=ENV
    )
    assert result.exit_code == 0, result.output
    assert sorted(d["source"] for d in _lines(result.stdout)) == ["customers", "orders"]


def test_json_stays_valid_when_the_warehouse_cannot_be_opened(write, tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the warehouse folder should be")
    path = write("orders.csv", BASE["orders"])
    result = runner.invoke(
        app, ["ingest", str(path), "--db", str(blocker / "w.duckdb"), "--json", "--no-build"], env=ENV
    )
    assert result.exit_code == 1
    [line] = _lines(result.stdout)
    assert line["status"] == "refused" and "ingest failed before this file was loaded" in line["message"]


def test_human_output_is_a_table_per_file(write, db):
    path = write("orders.csv", BASE["orders"])
    result = runner.invoke(app, ["ingest", str(path), "--db", str(db), "--no-build"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "orders.csv" in result.stdout and "canonical_orders" in result.stdout and "loaded" in result.stdout


def test_build_runs_after_a_load(write, db, monkeypatch):
    import warehouse.build

    built = []

    class Result:
        models, seconds, snapshot = {"m": 1}, 0.1, "snap"

    def fake_build(path, quiet=True, **_):
        return built.append(path) or Result()

    monkeypatch.setattr(warehouse.build, "build", fake_build)
    path = write("orders.csv", BASE["orders"])
    result = runner.invoke(app, ["ingest", str(path), "--db", str(db), "--json"], env=ENV)
    assert result.exit_code == 0, result.output
    assert built == [db]
    assert len(_lines(result.stdout)) == 1  # the build says nothing on stdout in --json mode
    again = runner.invoke(app, ["ingest", str(path), "--db", str(db), "--json"], env=ENV)
    assert again.exit_code == 0 and built == [db]  # nothing loaded, nothing built
    assert query(db, "select count(*) from raw.orders") == [(2,)]


def test_questions_option_reaches_survey_exports(write, db):
    from .vendor_exports import qualtrics_responses

    path = write("survey.csv", qualtrics_responses())
    args = ["ingest", str(path), "--db", str(db), "--json", "--no-build", "--questions", "csat=Q2,ces=Q3"]
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    [line] = _lines(result.stdout)
    assert (line["profile"], line["rows_loaded"]) == ("qualtrics_responses", 6)


def test_a_file_feeding_two_sources_prints_a_line_per_source(write, db):
    from .vendor_exports import zendesk_tickets

    path = write("tickets.csv", zendesk_tickets())
    result = runner.invoke(app, ["ingest", str(path), "--db", str(db), "--json", "--no-build"], env=ENV)
    assert result.exit_code == 0, result.output
    assert [(d["source"], d["status"]) for d in _lines(result.stdout)] == [
        ("contacts", "loaded"),
        ("surveys", "loaded"),
    ]


def test_profiles_command_lists_every_profile_with_its_signature():
    from ingest.profiles import load_profiles

    result = runner.invoke(app, ["profiles", "--json"])
    assert result.exit_code == 0, result.output
    listed = {d["profile"]: d for d in _lines(result.stdout)}
    assert set(listed) == set(load_profiles())
    shopify = listed["shopify_orders"]
    assert shopify["signature"] == ["name", "created at", "lineitem quantity", "lineitem price"]
    assert shopify["source"] == "orders" and shopify["vendor"] == "Shopify"
    assert "--questions" in listed["qualtrics_responses"]["options"]
    assert "also loads zendesk_ticket_satisfaction" in listed["zendesk_tickets"]["options"]
    human = runner.invoke(app, ["profiles"])
    assert human.exit_code == 0 and "olist_order_items" in human.stdout
