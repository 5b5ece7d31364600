"""A board pack re-issued as a revision when late data changes a frozen month (issue 15.2): the old
pack is kept, the new one lists what changed, and with no change nothing is re-issued."""

from __future__ import annotations

import io
import json
from datetime import datetime

import duckdb
import polars as pl

from dashboard import board_pack, board_pack_revisions
from tests.dashboard.seeded import tiny_warehouse
from tests.dashboard.test_board_pack import MARCH, make_pack
from warehouse.api import Warehouse
from warehouse.build import build
from warehouse.filters import Filters


def late_order(db):
    con = duckdb.connect(str(db))
    con.execute(
        "insert into raw.orders (order_id, line_no, ordered_at, store_id, channel, customer_id, sku, "
        "quantity, unit_price, _row_number, _file_id) "
        "values (?, 1, ?, 'S1', 'store', 'A', 'K', 1, 500.0, 9, 'late')",
        ["o9", datetime(2026, 3, 3, 12)],
    )
    con.close()
    build(db)


def test_late_data_reissues_the_pack_as_a_revision_and_keeps_the_old_one(tmp_path):
    db = tiny_warehouse(tmp_path)
    packs = tmp_path / "packs"
    first = make_pack(db, packs)
    (packs / board_pack.pack_path(packs, MARCH, Filters()).with_suffix(".pdf").name).write_bytes(b"%PDF old")

    wh = Warehouse.open(db)
    same, listed = board_pack_revisions.revise(
        packs, MARCH, Filters(), lambda: board_pack.collect(wh, MARCH, Filters())
    )
    assert same is None and listed == []  # nothing changed: nothing re-issued
    wh.close()

    late_order(db)
    wh = Warehouse.open(db)
    new, listed = board_pack_revisions.revise(
        packs, MARCH, Filters(), lambda: board_pack.collect(wh, MARCH, Filters())
    )
    wh.close()
    assert new["revision"] == 2 and new["revises"]["revision"] == 1
    assert new["revises"]["frozen_at"] == first["frozen_at"]
    assert "aov" in {c["metric"] for c in listed}
    aov = next(c for c in listed if c["metric"] == "aov")
    assert aov["before"] != aov["after"]

    current = board_pack.pack_path(packs, MARCH, Filters())
    kept = current.with_name(f"{current.stem}.rev1.json")
    assert json.loads(kept.read_text()) == first  # the old pack, as it was
    assert current.with_name(f"{current.stem}.rev1.pdf").read_bytes() == b"%PDF old"
    assert not current.with_suffix(".pdf").exists()  # the new revision prints its own
    assert board_pack_revisions.archived(packs, MARCH, Filters()) == [kept]
    assert board_pack.load(packs, MARCH, Filters())["revision"] == 2

    page = board_pack.render_html(new, charts=[])
    assert "Revision 2" in page and "Average order value" in page and first["frozen_at"] in page
    sheets = pl.read_excel(io.BytesIO(board_pack.render_xlsx(new)), sheet_id=0)
    assert "revision changes" in sheets and "aov" in sheets["revision changes"]["metric"].to_list()
