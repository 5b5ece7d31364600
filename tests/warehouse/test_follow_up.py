"""Closing the loop (issue 18, item 4): the follow-up store beside the warehouse, the follow-up
list (which answers, with which order, delivery and contacts), its scope, the closed-loop rates
and the CRM export's bytes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import exports
from tests.dashboard.seeded import write_raw
from tests.warehouse.follow_up_fixture import HASH_A, HASH_X, MARCH, ROWS, follow_up_warehouse
from warehouse import followups, snapshots
from warehouse.api import Warehouse
from warehouse.build import build
from warehouse.filters import Filters
from warehouse.followups import FollowUpError, FollowUpStore
from warehouse.queries.follow_up import NOT_MEASURED_THEME, STATUS_COLUMNS, crm_export, rates
from warehouse.scope import Scope

ROOT = Path(__file__).resolve().parents[2]
NORTH = Scope.of(regions=["North"])
SOUTH = Scope.of(regions=["South"])


@pytest.fixture(scope="module")
def loop_db(tmp_path_factory) -> Path:
    return follow_up_warehouse(tmp_path_factory.mktemp("loop"))


@pytest.fixture(scope="module")
def wh(loop_db):
    warehouse = Warehouse.open(loop_db)
    yield warehouse
    warehouse.close()


def march(scope=None, **kw) -> Filters:
    extra = {"scope": scope} if scope else {}
    return Filters(date_from=MARCH[0], date_to=MARCH[1], **extra, **kw)


# -- the store ---------------------------------------------------------------------------------
def test_the_store_keeps_one_current_status_and_every_change(tmp_path):
    path = followups.store_path(tmp_path / "warehouse.duckdb")
    assert path == tmp_path / "followups" / "followups.sqlite"
    with FollowUpStore(path) as store:
        assert store.con.execute("pragma journal_mode").fetchone()[0] == "wal"
        store.set_status("r1", "open", "gov@example.com", "assigned", at=datetime(2026, 3, 10, 13))
        store.set_status("r1", "contacted", "north@example.com", "left a message", datetime(2026, 3, 10, 18))
        store.set_status("r1", "resolved", "north@example.com", "refunded", at=datetime(2026, 3, 11, 12))
        current = store.current()
        assert current.to_dicts() == [
            {
                "response_id": "r1",
                "status": "resolved",
                "owner": "north@example.com",
                "status_at": datetime(2026, 3, 11, 12),
                "note": "refunded",
                # the first status that was not open, kept however the status changes after
                "first_follow_up_at": datetime(2026, 3, 10, 18),
            }
        ]
        assert store.history("r1")["status"].to_list() == ["open", "contacted", "resolved"]
        assert store.history("r1")["note"].to_list() == ["assigned", "left a message", "refunded"]
        assert store.version() == 3


def test_the_store_refuses_what_it_cannot_keep(tmp_path):
    with FollowUpStore(tmp_path / "f.sqlite") as store:
        with pytest.raises(FollowUpError, match="expected one of open, contacted, resolved"):
            store.set_status("r1", "closed", "gov@example.com")
        with pytest.raises(FollowUpError, match="who set it"):
            store.set_status("r1", "contacted", " ")
        with pytest.raises(FollowUpError, match="at most 2000 characters"):
            store.set_status("r1", "contacted", "gov@example.com", "x" * 2001)
        assert store.count_rows(["r1"]) == 0 and store.version() == 0


def test_erase_responses_forgets_every_row_of_an_answer(tmp_path):
    with FollowUpStore(tmp_path / "f.sqlite") as store:
        for rid in ("r1", "r2"):
            store.set_status(rid, "contacted", "gov@example.com", f"called {rid}")
            store.set_status(rid, "resolved", "gov@example.com")
        assert store.count_rows(["r1"]) == 3  # two history rows and the current one
        assert store.count_rows(["r1", "r2", "nope"]) == 6
        version = store.version()
        assert store.erase_responses(["r1", "nope"]) == 3
        assert store.count_rows(["r1"]) == 0 and store.count_rows(["r2"]) == 3
        assert store.current()["response_id"].to_list() == ["r2"]
        assert store.version() > version  # a cached list keyed by the version is not served again
        assert store.erase_responses([]) == 0
    # nothing of r1 is left in the file's pages either, once checkpointed
    con = sqlite3.connect(tmp_path / "f.sqlite")
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()


def test_reading_a_missing_store_creates_nothing(tmp_path):
    path = tmp_path / "followups" / "followups.sqlite"
    assert followups.read_current(path).height == 0 and followups.read_version(path) == 0
    assert not path.parent.exists()


WRITER = textwrap.dedent(
    """
    import sys
    from warehouse.followups import FollowUpStore
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with FollowUpStore(path) as store:
        for i in range(n):
            store.set_status(f"own-{who}-{i}", "contacted", who)
            store.set_status("shared", "contacted" if i % 2 else "resolved", who, str(i))
    """
)


def test_two_processes_write_at_once_and_lose_nothing(tmp_path):
    path = tmp_path / "followups" / "followups.sqlite"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, "150"], env=env)
        for who in ("a@example.com", "b@example.com")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with FollowUpStore(path) as store:
        history = store.history()
        assert history.height == 2 * 150 * 2
        assert store.version() == 600
        current = store.current()
        assert current.height == 2 * 150 + 1
        assert history.filter(pl.col("response_id") == "shared").height == 300
        last = history.filter(pl.col("response_id") == "shared").row(-1, named=True)
        shared = current.filter(pl.col("response_id") == "shared").row(0, named=True)
        assert (shared["owner"], shared["note"]) == (last["owner"], last["note"])


# -- the list ---------------------------------------------------------------------------------
def test_the_list_holds_detractors_and_low_csat_of_the_period(wh):
    listed = wh.follow_up_list(march(), statuses=followups.read_current(Path("/nonexistent"))).frame
    # newest first; r2 (NPS 8), r4 (CSAT 3), r7 (February) and r8 (CES) are not on it
    assert listed["response_id"].to_list() == ["r6", "r9", "r3", "r1", "r5"]
    rows = {r["response_id"]: r for r in listed.to_dicts()}
    assert rows["r5"]["order_id"] == "o2" and rows["r5"]["order_value_amount"] == 25.0
    assert rows["r5"]["is_delivered_late"] is True and rows["r5"]["days_late"] == 2.5
    assert (rows["r5"]["count_contacts"], rows["r5"]["has_repeat_contact"]) == (2, True)
    assert rows["r5"]["contact_reasons"] == "delivery"
    # a store sale is no delivery: neither late nor on time
    assert rows["r1"]["is_delivered_late"] is None and rows["r1"]["days_late"] is None
    # A's contact the day before counts; the one in January (over 30 days before) does not
    assert (rows["r1"]["count_contacts"], rows["r1"]["contact_reasons"]) == (1, "product")
    assert rows["r6"]["count_contacts"] == 2  # B's contacts in the 30 days before the answer
    assert rows["r9"]["count_contacts"] == 0 and rows["r9"]["order_id"] is None
    assert {r["status"] for r in rows.values()} == {"open"} and {r["owner"] for r in rows.values()} == {None}
    # comments the VoC step never scored: theme not measured, never a guess; r6 has no comment
    themes = dict(zip(listed["response_id"], listed["theme"], strict=True))
    assert themes == {"r6": None, "r9": "not measured", "r3": "not measured", "r1": "not measured",
                      "r5": "not measured"}  # fmt: skip
    assert listed["sentiment"].is_null().all()


def test_the_crm_id_is_the_retailers_never_an_email(wh):
    listed = wh.follow_up_list(march()).frame
    ids = {r["response_id"]: (r["crm_customer_id"], r["customer_id_kind"]) for r in listed.to_dicts()}
    assert ids["r1"] == ("A", "source_id")
    assert ids["r3"] == ("A", "crm_id_from_email_hash")  # the CRM knows A's e-mail hash
    assert ids["r9"] == (HASH_X, "email_hash")  # nobody knows this hash: it stays the hash
    assert HASH_A not in crm_export(listed)["crm_customer_id"].to_list()
    assert not any("@" in str(v) for v in crm_export(listed).to_dicts()[0].values())


def test_a_region_manager_sees_only_their_regions_list(wh):
    assert wh.follow_up_list(march(NORTH)).frame["response_id"].to_list() == ["r1", "r5"]
    assert wh.follow_up_list(march(SOUTH)).frame["response_id"].to_list() == ["r6"]
    # a filter narrows the scope, never widens it
    assert wh.follow_up_list(march(NORTH, region=("South",))).frame.height == 0
    assert wh.follow_up_list(march(Scope.of(stores=["ONL"]))).frame["response_id"].to_list() == ["r5"]
    assert wh.follow_up_allows("r1", NORTH) and wh.follow_up_allows("r5", NORTH)
    assert not wh.follow_up_allows("r6", NORTH)  # South's
    assert not wh.follow_up_allows("r2", NORTH)  # not on any list (a passive)
    assert not wh.follow_up_allows("r3", NORTH)  # region unknown: the whole business's only
    assert wh.follow_up_allows("r3", Scope()) and wh.follow_up_allows("r7", Scope())  # any period


# -- the rates --------------------------------------------------------------------------------
def _statuses(tmp_path: Path) -> pl.DataFrame:
    with FollowUpStore(tmp_path / "f.sqlite") as store:
        store.set_status("r1", "contacted", "north@example.com", at=datetime(2026, 3, 10, 18))  # +6 h
        store.set_status("r1", "resolved", "north@example.com", at=datetime(2026, 3, 11, 12))
        store.set_status("r5", "contacted", "gov@example.com", at=datetime(2026, 3, 10, 8))  # +24 h
        store.set_status("r6", "resolved", "gov@example.com", at=datetime(2026, 3, 22, 10))  # +48 h
        store.set_status("r9", "open", "gov@example.com", "assigned", at=datetime(2026, 3, 16, 10))
        return store.current()


def test_closed_loop_rate_and_time_to_first_follow_up_per_owner_and_month(wh, tmp_path):
    got = wh.follow_up_rates(march(), _statuses(tmp_path)).frame
    # still open = never contacted nor resolved, counted in the warehouse (the page shows it)
    assert got["count_open"].to_list() == (got["count_answers"] - got["count_followed_up"]).to_list()
    table = {
        (r["month"], r["owner"]): (
            r["count_answers"],
            r["count_followed_up"],
            r["count_resolved"],
            r["closed_loop_rate"],
            r["median_hours_to_first_follow_up"],
        )
        for r in got.to_dicts()
    }
    m = date(2026, 3, 1)
    assert table == {
        (None, "all owners"): (5, 3, 2, 40.0, 24.0),
        (None, "gov@example.com"): (3, 2, 1, 100 / 3, 36.0),  # r9 is assigned to gov, still open
        (None, "nobody yet"): (1, 0, 0, 0.0, None),
        (None, "north@example.com"): (1, 1, 1, 100.0, 6.0),
        (m, "all owners"): (5, 3, 2, 40.0, 24.0),
        (m, "gov@example.com"): (3, 2, 1, 100 / 3, 36.0),
        (m, "nobody yet"): (1, 0, 0, 0.0, None),
        (m, "north@example.com"): (1, 1, 1, 100.0, 6.0),
    }
    assert got["month"].to_list()[:4] == [None] * 4 and got["owner"][0] == "all owners"
    assert set(got["status"]) == {"measured"}


def test_the_index_and_the_rows_shown_are_the_lists(wh, tmp_path):
    """The page counts and filters the index (ids, days, statuses; in no order) and fetches whole
    only the rows it shows: those are the list's own newest rows, in its order, for every status
    and any number shown; the rates of the index are the list's."""
    statuses = _statuses(tmp_path)
    listed = wh.follow_up_list(march(), statuses).frame
    indexed = wh.follow_up_index(march(), statuses)
    index = indexed.frame
    assert index.columns == ["response_id", "answered_at", "answered_date", *STATUS_COLUMNS]
    assert listed["response_id"].to_list() == ["r6", "r9", "r3", "r1", "r5"]
    assert_frame_equal(index.sort("response_id"), listed.select(index.columns).sort("response_id"))
    for status in (None, "open", "contacted", "resolved"):
        part = listed if status is None else listed.filter(pl.col("status") == status)
        for limit in (1, 2, 5, None):
            shown = wh.follow_up_rows(
                march(), index.sample(fraction=1, shuffle=True, seed=limit), status, limit
            )
            assert_frame_equal(shown.frame, part.head(limit) if limit else part)
    assert wh.follow_up_rows(march(), index.head(0)).frame.columns == listed.columns
    assert_frame_equal(
        wh.follow_up_rates(march(), listed=indexed).frame, wh.follow_up_rates(march(), statuses).frame
    )


def _rates_answer_by_answer(listed: pl.DataFrame) -> pl.DataFrame:
    """The closed-loop figures computed one answer at a time (the first version of rates)."""
    base = listed.select(
        pl.col("answered_date").dt.truncate("1mo").alias("month"),
        pl.col("owner").fill_null("nobody yet").alias("owner"),
        pl.col("first_follow_up_at").is_not_null().alias("is_followed_up"),
        (pl.col("status") == "resolved").alias("is_resolved"),
        ((pl.col("first_follow_up_at") - pl.col("answered_at")).dt.total_seconds() / 3600.0).alias("hours"),
    )
    figures = [
        pl.len().cast(pl.Int64).alias("count_answers"),
        pl.col("is_followed_up").sum().cast(pl.Int64).alias("count_followed_up"),
        (pl.len() - pl.col("is_followed_up").sum()).cast(pl.Int64).alias("count_open"),
        pl.col("is_resolved").sum().cast(pl.Int64).alias("count_resolved"),
        (100.0 * pl.col("is_resolved").sum() / pl.len()).alias("closed_loop_rate"),
        pl.col("hours").filter(pl.col("is_followed_up")).median().alias("median_hours_to_first_follow_up"),
    ]
    whole, everyone = pl.lit(None, dtype=pl.Date).alias("month"), pl.lit("all owners").alias("owner")
    parts = [
        base.group_by("month", "owner").agg(figures),
        base.group_by("month").agg(figures).with_columns(everyone),
        base.group_by("owner").agg(figures).with_columns(whole),
        base.select(figures).with_columns(whole, everyone),
    ]
    columns = ["month", "owner", *(e.meta.output_name() for e in figures)]
    return pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")


@pytest.mark.parametrize("seed", [0, 1])
def test_rates_equal_those_counted_answer_by_answer(seed):
    """rates counts the answers nobody touched per month: the same figures as taking every answer
    one by one, on a seeded list of 2,000 answers over three months, a tenth with a status."""
    rng = np.random.default_rng(seed)
    n = 2_000
    answered = [datetime(2026, 1, 1) + timedelta(hours=int(h)) for h in rng.integers(0, 24 * 90, n)]
    touched = rng.random(n) < 0.1
    followed = touched & (rng.random(n) < 0.7)
    status = np.where(touched, rng.choice(["open", "contacted", "resolved"], n), "open")
    listed = pl.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(n)],
            "answered_at": answered,
            "answered_date": [a.date() for a in answered],
            "status": status,
            "owner": [rng.choice(["a@x.com", "b@x.com"]) if t else None for t in touched],
            "status_at": [None] * n,
            "note": [None] * n,
            "first_follow_up_at": [
                a + timedelta(hours=int(h)) if f else None
                for a, f, h in zip(answered, followed, rng.integers(1, 200, n), strict=True)
            ],
        },
        schema_overrides={"status_at": pl.Datetime("us"), "note": pl.Utf8},
    )
    got = rates(listed).drop("status", "reason")
    expected = _rates_answer_by_answer(listed).cast(got.schema)
    keys = ["month", "owner"]
    assert_frame_equal(got.sort(keys, nulls_last=True), expected.sort(keys, nulls_last=True))


def test_the_rows_shown_never_leave_the_viewers_scope(wh):
    """follow_up_rows takes ids from the page, but reads them in the viewer's scope: an id of
    another region's list gives no row."""
    everyone = wh.follow_up_index(march()).frame
    north = march(scope=NORTH)
    theirs = wh.follow_up_list(north).frame["response_id"].to_list()
    assert 0 < len(theirs) < everyone.height
    shown = wh.follow_up_rows(north, everyone).frame
    assert shown["response_id"].to_list() == theirs == ["r1", "r5"]


def test_rates_split_by_month(wh, tmp_path):
    listed = wh.follow_up_list(Filters(date_from=date(2026, 2, 1), date_to=MARCH[1]), _statuses(tmp_path))
    got = rates(listed.frame).filter(pl.col("owner") == "all owners")
    assert got.select("month", "count_answers", "count_resolved").rows() == [
        (None, 6, 2),
        (date(2026, 2, 1), 1, 0),
        (date(2026, 3, 1), 5, 2),
    ]


def test_rates_without_a_list_say_so(wh):
    got = wh.follow_up_rates(Filters(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))).frame
    assert got.height == 1
    row = got.row(0, named=True)
    assert row["status"] == "no_data" and row["closed_loop_rate"] is None and row["count_answers"] == 0
    assert "no detractors or low CSAT answers" in row["reason"]


def test_rates_are_not_measured_without_any_nps_or_csat_answer(tmp_path):
    """Exports with CES answers only cannot say who to follow up: not measured, never a rate of 0.
    A single NPS answer anywhere in the data makes the rates measurable (no list: no data)."""
    ces_only = {**ROWS, "surveys": [a for a in ROWS["surveys"] if a["survey"] == "ces"]}
    one_nps = {**ROWS, "surveys": [*ces_only["surveys"], ROWS["surveys"][1]]}  # r2, a passive
    cases = {
        "not_measured": (ces_only, "not measured by these exports: no NPS or CSAT answers"),
        "no_data": (one_nps, "no detractors or low CSAT answers in this period for these filters"),
    }
    for status, (rows, reason) in cases.items():
        warehouse = Warehouse.open(follow_up_warehouse(tmp_path / status, rows))
        try:
            got = warehouse.follow_up_rates(march()).frame.row(0, named=True)
        finally:
            warehouse.close()
        assert (got["status"], got["reason"]) == (status, reason)
        assert got["closed_loop_rate"] is None and got["count_answers"] == 0


# -- a rebuild --------------------------------------------------------------------------------
def test_statuses_survive_a_rebuild(tmp_path):
    db = follow_up_warehouse(tmp_path / "w")
    with FollowUpStore(followups.store_path(db)) as store:
        store.set_status("r5", "contacted", "north@example.com", "called")
    before = snapshots.current_snapshot(db)
    build(db)
    after = snapshots.current_snapshot(db)
    assert after != before and not str(followups.store_path(db)).startswith(str(after.parent))
    rebuilt = Warehouse.open(db)
    try:
        assert rebuilt.follow_up_store == followups.store_path(db)
        row = rebuilt.follow_up_list(march()).frame.filter(pl.col("response_id") == "r5").row(0, named=True)
        assert (row["status"], row["owner"], row["note"]) == ("contacted", "north@example.com", "called")
    finally:
        rebuilt.close()


# -- the CRM export ---------------------------------------------------------------------------
CRM_CSV = (
    "response_id,crm_customer_id,customer_id_kind,survey,score,answered_at,order_id,order_value_amount,"
    "is_delivered_late,days_late,count_contacts,has_repeat_contact,contact_reasons,comment,theme,sentiment,"
    "status,owner,status_at,note,region,store_id\n"
    "r6,B,source_id,nps,0,2026-03-20T10:00:00.000000,o3,7.25,,,2,true,delivery,,,,resolved,"
    "gov@example.com,2026-03-22T10:00:00.000000,,South,S2\n"
    f"r9,{HASH_X},email_hash,csat,1,2026-03-15T10:00:00.000000,,,,,0,false,,never again,not measured,,open,"
    "gov@example.com,2026-03-16T10:00:00.000000,assigned,unknown,\n"
    "r3,A,crm_id_from_email_hash,csat,2,2026-03-12T09:00:00.000000,,,,,0,false,,late again,not measured,,"
    "open,,,,unknown,\n"
    "r1,A,source_id,nps,3,2026-03-10T12:00:00.000000,o1,20.0,,,1,false,product,'=cmd|' /C calc'!A0,"
    "not measured,,resolved,north@example.com,2026-03-11T12:00:00.000000,,North,S1\n"
    "r5,B,source_id,nps,6,2026-03-09T08:00:00.000000,o2,25.0,true,2.5,2,true,delivery,"
    '"Arrived late, twice I called",not measured,,contacted,gov@example.com,2026-03-10T08:00:00.000000,,'
    "North,ONL\n"
)


def test_the_crm_export_byte_for_byte(wh, tmp_path):
    listed = wh.follow_up_list(march(), _statuses(tmp_path)).frame
    assert exports.csv_bytes(crm_export(listed)).decode() == CRM_CSV


def test_the_crm_workbook_has_the_list_and_says_what_the_ids_are(wh, tmp_path):
    import io

    from dashboard.voc import CRM_NOTES

    listed = wh.follow_up_list(march(), _statuses(tmp_path)).frame
    book = exports.xlsx_bytes(crm_export(listed), march(), "follow_up_crm", CRM_NOTES)
    sheet = pl.read_excel(io.BytesIO(book), sheet_name="follow_up_crm")
    assert sheet.columns[:3] == ["response_id", "crm_customer_id", "customer_id_kind"]
    assert sheet["response_id"].to_list() == ["r6", "r9", "r3", "r1", "r5"]
    assert sheet["crm_customer_id"].to_list() == ["B", HASH_X, "A", "A", "B"]
    assert sheet["comment"][3] == "'=cmd|' /C calc'!A0"  # a formula stays text
    about = dict(pl.read_excel(io.BytesIO(book), sheet_name="filters").iter_rows())
    assert (
        about["date_from"] == "2026-03-01"
        and "no e-mail address is ever exported" in about["crm_customer_id"]
    )


def test_theme_and_sentiment_come_from_the_comment_scores(tmp_path):
    """The list shows the VoC step's language, sentiment and theme of each comment (voc.comment_scores
    through fct_comments and mart_survey_answers); a comment the step has not scored shows its theme
    as not measured, never a guess; an answer without a comment has none."""
    import duckdb

    (tmp_path / "w").mkdir()
    db = write_raw(tmp_path / "w" / "loop.duckdb", ROWS)
    con = duckdb.connect(str(db))
    con.execute(
        "insert into voc.comment_scores "
        "select response_id, md5(comment), 'en', sentiment, theme, 1, 'full model' from (values "
        "('r5', -0.8, 'delivery'), ('r9', -0.95, 'product quality')) as s(response_id, sentiment, theme) "
        "join (select response_id, comment from raw.surveys) using (response_id)"
    )
    con.close()
    build(db)
    with_models = Warehouse.open(db)
    try:
        listed = with_models.follow_up_list(march()).frame
    finally:
        with_models.close()
    got = {r["response_id"]: (r["theme"], r["sentiment"], r["language"]) for r in listed.to_dicts()}
    assert got["r5"] == ("delivery", -0.8, "en") and got["r9"] == ("product quality", -0.95, "en")
    assert got["r6"] == (None, None, None)  # no comment
    assert got["r3"][0] == NOT_MEASURED_THEME and got["r3"][1:] == (None, None)  # a comment not scored
    assert listed["response_id"].to_list() == ["r6", "r9", "r3", "r1", "r5"]  # one row per answer still
