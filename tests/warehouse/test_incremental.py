"""An incremental build gives the tables a full build gives, row for row (issue 20 item 2).

The seeded demo exports with their last days held back (demo/next_day.py) are loaded and built;
then the held-back days are loaded, with an export that updates old rows (a changed order line, a
new tier for an old customer, a customer whose id sorts before every other one), and built
incrementally. A full build of the same ingest database must equal it in every table.
"""

from __future__ import annotations

import csv
import errno
import os
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from bench.compare_snapshots import compare
from demo.generator import write_exports
from demo.next_day import split_last_days
from ingest.run import ingest_paths
from warehouse import incremental, snapshots
from warehouse.build import BuildError, build
from warehouse.project import load_models


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incremental")
    write_exports(folder / "exports", 0.05, 7)
    split_last_days(folder / "exports", folder / "base", folder / "next", days=3)
    return folder


def _fresh(exports: Path, tmp_path: Path) -> Path:
    db = tmp_path / "warehouse.duckdb"
    ingest_paths(sorted((exports / "base").glob("*.csv")), db)
    first = build(db)
    assert first.modes == {} and first.why_full == "no snapshot published yet"
    return db


def assert_same_tables(incremental: Path, full: Path) -> None:
    """Every table of the two snapshots: same columns in the same order, same rows (as multisets);
    doubles to 6 decimals, as sums add in another order (bench.compare_snapshots)."""
    found = compare(incremental, full)
    assert found.problems == []
    assert found.identical + found.rounded


def _full_copy(db: Path, tmp_path: Path) -> Path:
    """A full build of the same ingest database, in a copy beside it (the snapshot stays apart)."""
    other = tmp_path / "full" / db.name
    other.parent.mkdir()
    shutil.copyfile(db, other)
    return build(other, full=True).snapshot


def test_a_day_of_exports_built_incrementally_equals_a_full_build(exports, tmp_path):
    db = _fresh(exports, tmp_path)
    ingest_paths(sorted((exports / "next").glob("*.csv")), db)
    result = build(db)
    assert result.why_full is None
    modes = result.modes
    assert set(modes) == set(load_models())
    # the facts and daily marts follow the new rows; what nothing reads again is carried over
    for name in (
        "stg_orders__order_lines",
        "fct_orders",
        "fct_contacts",
        "dim_customer_tier_spells",
        "mart_daily_orders",
        "mart_customer_daily",
        "fct_sessions",
    ):
        assert modes[name] == "incremental", (name, modes[name])
    assert modes["stg_roadmap__initiatives"] == "carried over"
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_updates_of_old_rows_and_a_customer_sorting_first_equal_a_full_build(exports, tmp_path):
    db = _fresh(exports, tmp_path)
    with duckdb.connect(str(db), read_only=True) as con:
        line = con.execute(
            "select order_id, line_no from raw.orders where customer_id is not null order by order_id limit 1"
        ).fetchone()
        customer, tier = con.execute(
            "select customer_id, tier from raw.customers order by customer_id limit 1"
        ).fetchone()
    updates = tmp_path / "updates"
    updates.mkdir()
    rows = list(csv.DictReader((exports / "base" / "orders.csv").open()))
    changed = next(r for r in rows if (r["order_id"], int(r["line_no"])) == (line[0], line[1]))
    changed["quantity"] = str(int(changed["quantity"]) + 3)  # an old order line exported again, changed
    first_day = min(r["ordered_at"][:10] for r in rows if r["ordered_at"][:4].isdigit())
    newcomer = {**changed, "order_id": "A-NEW-1", "line_no": "1", "customer_id": "A000000"}
    _write(updates / "orders.csv", [changed, newcomer])
    customers = list(csv.DictReader((exports / "base" / "customers.csv").open()))
    old = next(r for r in customers if r["customer_id"] == customer)
    new_tier = "gold" if tier != "gold" else "silver"
    _write(
        updates / "customers.csv",
        [
            {**old, "tier": new_tier, "tier_since": first_day},  # an old customer's new tier, long ago
            {**old, "customer_id": "A000000", "email": "a000000@example.com", "phone": ""},  # sorts first
        ],
    )
    ingest_paths([updates / "orders.csv", updates / "customers.csv"], db)
    ingest_paths(sorted((exports / "next").glob("*.csv")), db)
    result = build(db)
    assert result.why_full is None
    assert result.modes["fct_orders"] == "incremental"
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_nothing_new_carries_every_model_over_and_full_rebuilds_all(exports, tmp_path):
    db = _fresh(exports, tmp_path)
    again = build(db)
    assert set(again.modes.values()) <= {"carried over", "full: built only in full"}
    assert again.modes["fct_orders"] == "carried over"
    forced = build(db, full=True)
    assert forced.modes == {} and forced.why_full == "asked for (--full)"
    assert_same_tables(again.snapshot, forced.snapshot)


def test_deleted_rows_make_their_models_rebuild_in_full(exports, tmp_path):
    db = _fresh(exports, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("delete from raw.orders where order_id = (select min(order_id) from raw.orders)")
    result = build(db)
    assert result.modes["stg_orders__order_lines"] == "full: every row of raw.orders may have changed"
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_a_comment_rewritten_in_place_is_seen(exports, tmp_path):
    """Retention blanks old comments in place, without an ingest run: the checksum of the source's
    mutable columns (sources.toml) tells, and the answers are rebuilt."""
    db = _fresh(exports, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update raw.surveys set comment = null where response_id = "
            "(select min(response_id) from raw.surveys where comment is not null)"
        )
    result = build(db)
    assert result.modes["stg_surveys__responses"] == "full: every row of raw.surveys may have changed"
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_a_snapshot_without_build_state_gives_a_full_build(exports, tmp_path):
    db = _fresh(exports, tmp_path)
    current = snapshots.current_snapshot(db)
    with duckdb.connect(str(current)) as con:
        con.execute("drop schema build_state cascade")
    result = build(db)
    assert result.modes == {} and "no build state" in result.why_full


def test_the_step_before_the_models_runs_beside_the_copy_and_the_build_reads_what_it_wrote(
    exports, tmp_path, monkeypatch
):
    """`first` (the VoC step in `cx build`) runs while the published snapshot is copied: the copy
    below finishes only once `first` has started; the models then read what `first` wrote."""
    db = _fresh(exports, tmp_path)
    started = threading.Event()
    real_copy = snapshots.copy
    waited = []

    def copy_once_first_started(source, target):
        waited.append(started.wait(timeout=60))
        real_copy(source, target)

    def first():
        started.set()
        with duckdb.connect(str(db)) as con:
            con.execute("delete from raw.orders where order_id = (select min(order_id) from raw.orders)")

    monkeypatch.setattr(snapshots, "copy", copy_once_first_started)
    result = build(db, first=first)
    assert waited == [True]
    assert result.modes["stg_orders__order_lines"] == "full: every row of raw.orders may have changed"
    with duckdb.connect(str(db), read_only=True) as con:
        orders = con.execute("select count(*) from raw.orders").fetchone()[0]
    assert result.models["stg_orders__order_lines"] == orders
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def test_a_failed_copy_beside_the_first_step_fails_the_build_in_one_line(exports, tmp_path, monkeypatch):
    db = _fresh(exports, tmp_path)
    published = snapshots.current_snapshot(db)
    ran = []

    def disk_full(source, target):
        Path(target).write_bytes(b"part of a copy")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(snapshots, "copy", disk_full)
    with pytest.raises(BuildError, match="No space left on device") as failed:
        build(db, first=lambda: ran.append(True))
    assert ran == [True]
    assert "\n" not in str(failed.value) and "the published snapshot is unchanged" in str(failed.value)
    assert snapshots.current_snapshot(db) == published
    assert [p.name for p in snapshots.serving_dir(db).glob("*.duckdb")] == [published.name]


@pytest.mark.parametrize("compared", [True, False])
def test_a_model_rebuilt_in_full_is_compared_up_to_diff_max_rows(exports, tmp_path, monkeypatch, compared):
    """A new comment score rebuilds stg_voc__comment_scores in full; compared with its previous rows
    (within DIFF_MAX_ROWS) only the scored answer's comment is rebuilt, above it every comment is."""
    db = _fresh(exports, tmp_path)
    with duckdb.connect(str(db)) as con:
        response_id, comment = con.execute(
            "select response_id, comment from raw.surveys where comment is not null "
            "order by response_id limit 1"
        ).fetchone()
        con.execute(
            "insert into voc.comment_scores values ($r, md5($c), 'en', 0.5, 'delivery', 1, 'full model')",
            {"r": response_id, "c": comment},
        )
    if not compared:
        monkeypatch.setattr(incremental, "DIFF_MAX_ROWS", 0)
    result = build(db)
    assert result.modes["stg_voc__comment_scores"] == "full: built only in full"
    if compared:
        assert result.modes["fct_comments"] == "incremental"
    else:
        assert result.modes["fct_comments"] == "full: every row of stg_voc__comment_scores may have changed"
    with duckdb.connect(str(result.snapshot), read_only=True) as con:
        scored = con.execute(
            "select sentiment, theme from fct_comments where response_id = $r", {"r": response_id}
        ).fetchone()
    assert scored == (0.5, "delivery")
    assert_same_tables(result.snapshot, _full_copy(db, tmp_path))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
