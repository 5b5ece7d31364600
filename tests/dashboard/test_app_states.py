"""What the app shows when there is nothing to show: no warehouse yet, or filters that leave no rows."""

from __future__ import annotations

import html

import pytest

from tests.dashboard.conftest import make_app
from tests.dashboard.test_pages import PAGES, open_page, tile
from warehouse.api import NoWarehouse, Warehouse


def test_no_warehouse_says_how_to_create_one(tmp_path, monkeypatch):
    at = make_app(tmp_path / "nothing-here.duckdb", monkeypatch)
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(w.value for w in at.warning)
    assert "make demo" in text and "cx ingest" in text and "CX_DB" in text


def test_filters_without_rows_explain_instead_of_failing(app):
    """Orders have no contact channel "chat": the tier page says why it is empty."""
    at = open_page(app({"channel": "Chat"}), "tiers")
    assert any("No orders for" in i.value and "Widen the period" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_every_page_runs_on_a_filter_that_leaves_almost_nothing(app):
    for page in PAGES:
        at = app({"channel": "Social", "period": "Last 30 days"})
        at.run()
        if page != "overview":
            at.switch_page(PAGES[page]).run()
        assert not at.exception, (page, [e.value for e in at.exception])


def test_a_new_build_is_picked_up_without_a_restart(tmp_path, monkeypatch):
    """The cached Warehouse and query results are keyed by the published snapshot: after `cx build`
    publishes a new one, the next run shows the new numbers."""
    from datetime import datetime

    import duckdb

    from tests.dashboard.seeded import tiny_warehouse
    from warehouse.build import build

    db = tiny_warehouse(tmp_path)
    at = make_app(db, monkeypatch)
    at.run()

    def orders_tile() -> str:
        return html.escape(tile(at, "aov")["value"])  # as the page wrote it

    before = orders_tile()
    con = duckdb.connect(str(db))
    con.execute(
        "insert into raw.orders (order_id, line_no, ordered_at, store_id, channel, customer_id, sku, "
        "quantity, unit_price, _row_number, _file_id) "
        "values ('o9', 1, ?, 'S1', 'store', 'A', 'K', 1, 500.0, 9, 'new')",
        [datetime(2026, 3, 4, 12)],
    )
    con.close()
    build(db)
    at.run()
    assert orders_tile() != before


def test_a_warehouse_built_by_an_older_version_asks_for_a_build(tmp_path, monkeypatch):
    """A snapshot without a model this version reads (published before an upgrade) gets a page that
    says to run `cx build`, not an error on every page; after the build the pages are back."""
    import duckdb

    from tests.dashboard.seeded import tiny_warehouse
    from warehouse import snapshots
    from warehouse.build import build

    db = tiny_warehouse(tmp_path)
    con = duckdb.connect(str(snapshots.current_snapshot(db)))  # as an older version built it
    con.execute("drop table mart_data_coverage")
    con.close()
    at = make_app(db, monkeypatch)
    at.run()
    assert not at.exception
    assert any("older version" in w.value for w in at.warning)
    assert any("cx build" in m.value for m in at.markdown)
    with pytest.raises(NoWarehouse, match="mart_data_coverage.*run `cx build`"):  # the CLI's open
        Warehouse.open(db)
    build(db)
    at.run()
    assert not at.exception and not any("older version" in w.value for w in at.warning)
    Warehouse.open(db).close()
    assert tile(at, "aov")["value"]


def test_a_model_built_by_an_older_versions_sql_asks_for_a_build(tmp_path, monkeypatch):
    """A model whose SQL this version changed (its columns may differ: mart_customer_period_places
    gained its channel columns) counts as missing until `cx build` builds it again: the build state
    records each model's SQL as built."""
    import json

    import duckdb

    from tests.dashboard.seeded import tiny_warehouse
    from warehouse import snapshots
    from warehouse.build import build

    db = tiny_warehouse(tmp_path)
    Warehouse.open(db).close()  # as built by this version: nothing missing
    con = duckdb.connect(str(snapshots.current_snapshot(db)))  # as an older version built it
    state = json.loads(con.execute("select value from build_state.state").fetchone()[0])
    state["models"]["mart_customer_period_places"] = "an older version's SQL"
    con.execute("update build_state.state set value = $v", {"v": json.dumps(state)})
    con.close()
    at = make_app(db, monkeypatch)
    at.run()
    assert not at.exception and any("older version" in w.value for w in at.warning)
    with pytest.raises(NoWarehouse, match="its mart_customer_period_places missing or built by older SQL"):
        Warehouse.open(db)
    build(db)
    at.run()
    assert not at.exception and not any("older version" in w.value for w in at.warning)
    assert tile(at, "churn_rate")["value"]
