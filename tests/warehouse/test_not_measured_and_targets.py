"""Numbers the data cannot give, and targets that are the retailer's (issue 13, items 4 and 5): a
metric whose inputs these exports lack is `not_measured` with the reason (never 0, never a status
colour, never an alert); a period without data is `no_data` with its reason; statuses are judged by
the targets version in effect on the period's last day, and without one by nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from dashboard.components import tile_html
from demo.standards import DEMO_TARGETS
from tests.warehouse.raw_fixture import build_warehouse
from tests.warehouse.test_metrics import MARCH, contact, line, values
from warehouse import targets
from warehouse.filters import Filters
from warehouse.targets import Target, TargetsError

STORES = [{"store_id": "S1", "name": "One", "region": "North"}]


def ticket_export_rows():
    """Contacts as a ticket export gives them: no transfers, no handle times, no self-service."""
    return [
        contact("c1", "A", "delivery", "2026-03-02 10:00:00", wait_seconds=60),
        contact("c2", "B", "billing", "2026-03-03 10:00:00", channel="email", wait_seconds=120),
    ]


def test_a_ticket_export_does_not_measure_transfers_handle_time_or_self_service(tmp_path):
    wh = build_warehouse(tmp_path, {"contacts": ticket_export_rows()})
    v = values(wh)
    for key, words in (
        ("transfer_rate", "no transfer counts in the contact exports"),
        ("aht", "no handle times"),
        ("self_service_rate", "no self-service or bot contacts"),
    ):
        assert v[key]["value"] is None and v[key]["status"] == "not_measured", key
        assert v[key]["reason"].startswith("not measured by these exports: ") and words in v[key]["reason"]
        assert v[key]["n"] is None and v[key]["change"] is None
    assert v["avg_wait"]["value"] == pytest.approx(90.0) and v["avg_wait"]["reason"] is None
    assert v["nps"]["status"] == "not_measured" and v["nps"]["reason"].endswith("no NPS answers")
    assert "alert" not in {r["status"] for r in v.values() if r["value"] is None}


def test_transfers_exported_as_zero_are_measured(tmp_path):
    rows = [dict(r, transfers=0) for r in ticket_export_rows()]
    v = values(build_warehouse(tmp_path, {"contacts": rows}))
    assert v["transfer_rate"]["value"] == 0.0 and v["transfer_rate"]["status"] == "on_target"


def test_a_customer_id_per_order_does_not_measure_churn(tmp_path):
    orders = [line(f"o{i}", 1, f"2025-0{i}-01 10:00:00", f"person-of-order-{i}") for i in range(1, 10)]
    orders += [line("o10", 1, "2026-03-05 10:00:00", "person-of-order-10")]
    v = values(build_warehouse(tmp_path, {"orders": orders, "stores": STORES}), keys=["churn_rate", "clv"])
    for key in ("churn_rate", "clv"):
        assert v[key]["status"] == "not_measured"
        assert "each order its own customer id" in v[key]["reason"]


def test_no_data_in_the_period_says_which_source(tmp_path):
    wh = build_warehouse(
        tmp_path, {"contacts": ticket_export_rows(), "orders": [line("o1", 1, "2026-03-05 10:00:00")]}
    )
    april = Filters(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), compare="none")
    v = values(wh, april)
    assert v["avg_wait"]["status"] == "no_data"
    assert v["avg_wait"]["reason"] == "no support contacts in this period for these filters"
    assert v["aov"]["reason"] == "no orders in this period for these filters"


def test_without_targets_nothing_is_on_target_or_in_alert(tmp_path):
    orders = [line("o1", 1, "2026-03-05 10:00:00", "A", price=10.0)]  # AOV 10: far below the demo's 55
    wh = build_warehouse(tmp_path, {"orders": orders, "stores": STORES}, demo_targets=False)
    aov = values(wh, keys=["aov"])["aov"]
    assert aov["value"] == 10.0 and aov["status"] == "no_target"
    assert aov["target"] is None and aov["alert"] is None


def test_each_targets_version_applies_from_its_date(tmp_path):
    orders = [
        line("o1", 1, "2026-02-05 10:00:00", price=100.0),
        line("o2", 1, "2026-03-05 10:00:00", price=100.0),
    ]
    wh = build_warehouse(tmp_path, {"orders": orders, "stores": STORES}, demo_targets=False)
    db = tmp_path / "ingest.duckdb"
    targets.save_version(db, {"aov": Target(90, 60)}, date(2026, 1, 1), "gov@example.com", "FY26")
    targets.save_version(db, {"aov": Target(150, 110)}, date(2026, 3, 1), "gov@example.com", "premium range")
    wh.targets = targets.load(db)
    feb = Filters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28), compare="none")
    assert values(wh, feb, ["aov"])["aov"]["status"] == "on_target"  # 100 >= 90
    march = values(wh, MARCH, ["aov"])["aov"]
    assert march["status"] == "alert" and march["target"] == 150.0  # 100 < 110
    assert [v.reason for v in targets.load(db).versions] == ["FY26", "premium range"]  # both kept


def test_a_targets_file_is_read_and_checked(tmp_path):
    good = tmp_path / "targets.toml"
    good.write_text(
        '[[version]]\neffective_from = 2026-01-01\nset_by = "gov"\nreason = "R$ standards"\n'
        "[version.targets]\naov = { target = 150, alert = 110 }\naht = { target = 300, alert = 420 }\n"
    )
    loaded = targets.load(tmp_path / "no.duckdb", good)
    assert loaded.on(date(2026, 3, 1)) == {"aov": Target(150, 110), "aht": Target(300, 420)}
    assert loaded.on(date(2025, 12, 31)) == {}
    for body, words in (
        ("aov = { target = 150, alert = 200 }", "must be below the target"),
        ("aht = { target = 300, alert = 200 }", "must be above the target"),
        ("speed = { target = 1, alert = 0 }", "'speed' is not a metric"),
        ("aov = 150", "must be { target"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(f"[[version]]\neffective_from = 2026-01-01\n[version.targets]\n{body}\n")
        with pytest.raises(TargetsError, match=words.replace("{", r"\{").replace("(", r"\(")):
            targets.read_file(bad)
    with pytest.raises(TargetsError, match="say why"):
        targets.save_version(tmp_path / "x.duckdb", {"aov": Target(1, 0)}, date(2026, 1, 1), "gov", " ")


def test_the_demo_ships_its_own_targets():
    demo = targets.read_file(DEMO_TARGETS)[0].as_dict()
    assert demo["csat"] == Target(95, 80) and demo["fcr"] == Target(85, 70)  # the retail CX guide's


def test_a_not_measured_tile_shows_the_reason_not_a_number(tmp_path):
    wh = build_warehouse(tmp_path, {"contacts": ticket_export_rows()})
    row = values(wh)["transfer_rate"]
    html = tile_html(row, "previous")
    assert "not measured by these exports: no transfer counts" in html
    assert 'data-status="not_measured"' in html and "n = " not in html and "0.0%" not in html


def test_cx_metrics_json_says_not_measured(tmp_path):
    from cli.main import app

    build_warehouse(tmp_path, {"contacts": ticket_export_rows()}, demo_targets=False)
    out = CliRunner().invoke(
        app, ["metrics", "--db", str(tmp_path / "ingest.duckdb"), "--json", "--to", "2026-03-31"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["transfer_rate"]["value"] is None and data["transfer_rate"]["status"] == "not_measured"
    assert (
        data["transfer_rate"]["reason"]
        == "not measured by these exports: no transfer counts in the contact exports"
    )
    assert data["avg_wait"]["status"] == "no_target" and data["avg_wait"]["target"] is None
