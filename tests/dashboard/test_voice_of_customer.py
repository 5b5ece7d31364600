"""The Voice of the customer page (issue 18): per role, the follow-up list in the viewer's scope,
the status form for the roles that follow up (checked again on the server), the audited CRM
export, and the closed-loop figures; on the hand-written warehouse of tests/warehouse."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from dashboard import auth, components, data, exports, voc
from dashboard.labels import escape_markdown
from tests.dashboard.conftest import signed_in_app
from tests.warehouse.follow_up_fixture import MARCH, follow_up_warehouse, short_data_warehouse
from warehouse import audit, followups
from warehouse.api import Warehouse
from warehouse.filters import Filters
from warehouse.queries.follow_up import crm_export
from warehouse.scope import Scope

PAGE = "pages/voice_of_customer.py"
IN_MARCH = {"period": "Custom dates", "from": str(MARCH[0]), "to": str(MARCH[1])}


@pytest.fixture
def loop_db(tmp_path) -> Path:
    """A fresh warehouse (and so an empty follow-up store) per test."""
    return follow_up_warehouse(tmp_path / "loop")


@pytest.fixture
def page(loop_db, monkeypatch, tmp_path):
    def open_as(email: str):
        at = signed_in_app(loop_db, monkeypatch, tmp_path, email, IN_MARCH)
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not any("Error id" in e.value for e in at.error), [e.value for e in at.error]
        return at

    return open_as


def listed_ids(at) -> list[str]:
    return at.dataframe[0].value["Answer id"].to_list()


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_an_executive_reads_the_list_and_the_rate_and_writes_nothing(page):
    at = page("exec@example.com")
    assert at.title[0].value == "Voice of the customer"
    assert listed_ids(at) == ["r6", "r9", "r3", "r1", "r5"]
    shown = at.dataframe[0].value
    themes = shown["Theme"].to_list()
    assert None not in themes and "–" in themes  # an answer without a comment, or not yet scored
    assert metric(at, "Closed-loop rate") == "0.0%" and metric(at, "Still open") == "5"
    assert not [b for b in at.button if "Save the status" in b.label]
    assert not [b for b in at.get("download_button") if b.key.startswith("voc_crm")]
    # comments the VoC step never scored (this warehouse was built without it) are not measured,
    # with the reason, never a sentiment of 0; the drivers say why they have no model
    captions = " ".join(c.value for c in at.caption)
    assert "7 comments not scored yet" in captions and "cx voc \\-\\-refit" in captions
    assert any("Not measured: 4 NPS answers" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_an_analyst_reads_and_writes_nothing(page):
    at = page("analyst@example.com")
    assert listed_ids(at) == ["r6", "r9", "r3", "r1", "r5"]
    assert not at.get("form") or not [b for b in at.button if "Save the status" in b.label]


def test_a_region_manager_sees_their_regions_list_and_follows_it_up(page, loop_db):
    at = page("north@example.com")
    assert listed_ids(at) == ["r1", "r5"]  # South's r6 and the region-less r3, r9 are not theirs
    assert at.selectbox(key="voc_answer").options and len(at.selectbox(key="voc_answer").options) == 2
    at.selectbox(key="voc_answer").set_value("r5")
    at.radio(key="voc_status").set_value("contacted")
    at.text_area(key="voc_note").set_value("called, refund agreed")
    next(b for b in at.button if "Save the status" in b.label).click().run()
    assert not at.exception
    assert any("answer r5 is contacted" in s.value for s in at.success)
    shown = at.dataframe[0].value
    row = shown.filter(pl.col("Answer id") == "r5") if isinstance(shown, pl.DataFrame) else None
    if row is None:  # AppTest hands the frame back as pandas
        row = pl.from_pandas(shown).filter(pl.col("Answer id") == "r5")
    assert row["Status"].to_list() == ["contacted"] and row["Owner"].to_list() == ["north@example.com"]
    with followups.FollowUpStore(followups.store_path(loop_db)) as store:
        assert store.history("r5").select("status", "owner", "note").rows() == [
            ("contacted", "north@example.com", "called, refund agreed")
        ]
    events = audit.read(loop_db).filter(pl.col("event") == "follow_up")
    assert events.select("user", "detail", "page").rows() == [
        ("north@example.com", "r5: contacted", "voice_of_customer")
    ]
    assert "refund" not in " ".join(audit.read(loop_db)["detail"].drop_nulls())  # the note stays in the store
    assert metric(at, "Still open") == "1"


def test_governance_exports_the_list_for_a_crm(page, loop_db, downloads):
    at = page("gov@example.com")
    button = next(b for b in at.get("download_button") if b.key == "voc_crm_csv")
    wh = Warehouse.open(loop_db)
    try:
        f = Filters(date_from=MARCH[0], date_to=MARCH[1])
        expected = exports.csv_bytes(components.plain(crm_export(wh.follow_up_list(f).frame)))
    finally:
        wh.close()
    assert downloads(button) == expected
    assert expected.decode().splitlines()[0].startswith("response_id,crm_customer_id,customer_id_kind")


def test_a_store_manager_exports_only_their_stores_answers(page, loop_db, downloads, tmp_path):
    (tmp_path / "access.toml").write_text(
        '[users."online@example.com"]\nrole = "store_manager"\nstores = ["ONL"]\n'
    )
    at = page("online@example.com")
    assert listed_ids(at) == ["r5"]
    csv = downloads(next(b for b in at.get("download_button") if b.key == "voc_crm_csv")).decode()
    assert [line.split(",")[0] for line in csv.splitlines()[1:]] == ["r5"]


@pytest.mark.parametrize("eager_rows", [2_000, 0])
def test_the_status_shown_picks_the_newest_answers_with_it(page, loop_db, monkeypatch, eager_rows):
    """The table shows the newest SHOWN_MAX answers of the status chosen; the caption counts all
    answers with it. A short list is read whole (its CRM file made with the page), a long one
    only for the answers shown (EAGER_CSV_ROWS 0: every list is long)."""
    monkeypatch.setattr(components, "EAGER_CSV_ROWS", eager_rows)
    with followups.FollowUpStore(followups.store_path(loop_db)) as store:
        for response_id in ("r3", "r1", "r5"):
            store.set_status(response_id, "resolved", "gov@example.com", "")
    monkeypatch.setattr(voc, "SHOWN_MAX", 2)
    at = page("gov@example.com")
    at.segmented_control(key="voc_show").set_value("resolved").run()
    assert listed_ids(at) == ["r3", "r1"]  # the newest two of the three resolved
    assert set(at.dataframe[0].value["Status"]) == {"resolved"}
    assert any("newest 2 of these 3 answers" in c.value for c in at.caption)
    monkeypatch.setattr(components, "PARAM_VALUES_SHOWN", 1)
    at.segmented_control(key="voc_show").set_value("open").run()
    assert listed_ids(at) == ["r6", "r9"]
    assert not any("newest 2 of these" in c.value for c in at.caption)
    if not eager_rows:  # the SQL shown names the ids it read, a long list of them cut short
        assert any("$response_ids = ['r6', ... (2 values)]" in c.value for c in at.code)


def test_a_long_lists_crm_export_is_read_when_clicked_in_the_viewers_scope(
    page, loop_db, monkeypatch, recorded, tmp_path
):
    """Above EAGER_CSV_ROWS the page fetches only the answers it shows; the CRM files read the
    whole list when clicked (outside the script run), in the scope of the viewer who saw the
    button, with the eager export's bytes and an audit line of the list's rows."""
    monkeypatch.setattr(components, "EAGER_CSV_ROWS", 0)
    for email, ids in (("gov@example.com", ["r6", "r9", "r3", "r1", "r5"]), ("online@example.com", ["r5"])):
        if email == "online@example.com":  # a store manager of the online store
            (tmp_path / "access.toml").write_text(
                '[users."online@example.com"]\nrole = "store_manager"\nstores = ["ONL"]\n'
            )
        recorded.clear()
        page(email)
        csv_data = next(data for label, data, name in recorded if label == "CRM export (CSV)")
        assert callable(csv_data)
        before = audit.read(loop_db).height
        csv = csv_data()
        assert [line.split(",")[0] for line in csv.decode().splitlines()[1:]] == ids
        wh = Warehouse.open(loop_db)
        try:
            scope = Scope.of(stores=["ONL"]) if ids == ["r5"] else Scope()
            f = Filters(date_from=MARCH[0], date_to=MARCH[1], scope=scope)
            assert csv == exports.csv_bytes(components.plain(crm_export(wh.follow_up_list(f).frame)))
        finally:
            wh.close()
        lines = audit.read(loop_db)
        assert lines.height == before + 1 and lines["rows"][0] == len(ids) and lines["format"][0] == "csv"


def test_the_server_refuses_a_status_outside_the_writers_scope_or_role(loop_db, monkeypatch):
    from config.access import User

    wh = Warehouse.open(loop_db)
    recorded = []
    monkeypatch.setattr(data, "warehouse", lambda: wh)
    monkeypatch.setattr(data, "db_path", lambda: loop_db)
    monkeypatch.setattr(auth, "record", lambda *a, **kw: recorded.append((a, kw)))
    north = User("north@example.com", frozenset({"region_manager"}), Scope.of(regions=["North"]))
    executive = User("exec@example.com", frozenset({"executive"}))
    try:
        monkeypatch.setattr(auth, "viewer", lambda: north)
        with pytest.raises(PermissionError, match="not on a follow-up list you see"):
            data.set_follow_up("r6", "resolved", "South's answer")  # another region's
        with pytest.raises(PermissionError, match="not on a follow-up list you see"):
            data.set_follow_up("r2", "resolved")  # a passive: on nobody's list
        with pytest.raises(PermissionError):
            data.follow_up_history("r6")
        assert data.set_follow_up("r1", "resolved", "ok")["owner"] == "north@example.com"
        monkeypatch.setattr(auth, "viewer", lambda: executive)
        with pytest.raises(PermissionError, match="does not set statuses"):
            data.set_follow_up("r1", "contacted")
        assert data.follow_up_history("r1")["status"].to_list() == ["resolved"]
    finally:
        wh.close()
    with followups.FollowUpStore(followups.store_path(loop_db)) as store:
        assert store.count_rows(["r6", "r2"]) == 0 and store.count_rows(["r1"]) == 2
    assert len(recorded) == 1 and recorded[0][0][1] == "follow_up"


def test_a_period_without_unhappy_answers_says_so(loop_db, monkeypatch, tmp_path):
    january = {"period": "Custom dates", "from": "2026-01-01", "to": "2026-01-31"}
    at = signed_in_app(loop_db, monkeypatch, tmp_path, "gov@example.com", january)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No closed-loop rate: no detractors or low CSAT answers" in i.value for i in at.info)
    assert any("No detractors or low CSAT answers for" in i.value for i in at.info)
    assert not at.metric and not at.dataframe


def test_custom_dates_on_data_shorter_than_90_days_start_at_the_data(tmp_path, monkeypatch):
    """The From box's default (90 days back) was before the data's first day: Streamlit raised
    StreamlitValueBelowMinError in app.py. It now starts at the first day of data."""
    db = short_data_warehouse(tmp_path / "short")
    at = signed_in_app(db, monkeypatch, tmp_path, "gov@example.com", {"period": "Custom dates"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    start = Warehouse.open(db).data_start()
    assert at.date_input(key="from").value == start


def test_what_customers_say_on_the_seeded_demo(seeded_db, wh, monkeypatch, tmp_path):
    """The four sections on scored comments: the accuracy line names the language and its AUC (the
    warehouse's own figure), the sentiment trend, the themes and the drivers are drawn, and the
    drivers with a friction cost link to the friction costs page."""
    end = wh.as_of()
    f = Filters(date_from=end - timedelta(days=364), date_to=end)
    period = {"period": "Custom dates", "from": str(f.date_from), "to": str(f.date_to)}
    at = signed_in_app(seeded_db, monkeypatch, tmp_path, "gov@example.com", period)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    accuracy = wh.voice_accuracy(f).frame.row(0, named=True)
    assert accuracy["language"] == "en" and accuracy["auc"] > 0.8
    captions = " ".join(c.value for c in at.caption)
    expected = f"English: {accuracy['count_comments']:,} comments, AUC {accuracy['auc']:.2f}"
    assert escape_markdown(expected) in captions
    charts = at.get("plotly_chart")
    assert len(charts) >= 3  # sentiment by month, themes, drivers
    themes = wh.voice_themes(f).frame
    assert themes.height >= 3
    drivers = wh.voice_drivers(f, "nps").frame.filter(pl.col("status") == "measured")
    assert drivers.height >= 1
    # the themes by touchpoint: the warehouse's figures, one row per touchpoint and theme
    at.selectbox(key="voc_themes_by").set_value("touchpoint").run()
    shown = next(d.value for d in at.dataframe if "Touchpoint" in d.value.columns)
    expected = wh.voice_themes(f, "touchpoint").frame
    assert shown["Touchpoint"].to_list() == expected["touchpoint"].to_list()
    assert shown["Comments"].to_list() == expected["count_comments"].to_list()


def test_the_pickers_labels_and_its_newest_answers(page, monkeypatch):
    """The picker's labels, built as one expression: day, survey and score, status, the comment's
    first 40 characters on one line, id. The table and the picker show the newest SHOWN_MAX answers
    and say so; the figures count them all."""
    first, second = date(2026, 3, 9), date(2026, 3, 8)
    listed = pl.DataFrame(
        {
            "response_id": ["a", "b"],
            "answered_date": [first, second],
            "survey": ["nps", "csat"],
            "score": [3, 1],
            "status": ["open", "resolved"],
            "comment": ["  late\nagain, and nobody called me back about it at all ", None],
        }
    )
    assert voc.answer_labels(listed) == {
        "a": "09 Mar · NPS 3 · open · late again, and nobody called me back ab… · a",
        "b": "08 Mar · CSAT 1 · resolved · (no comment) · b",
    }
    monkeypatch.setattr(voc, "SHOWN_MAX", 2)
    at = page("gov@example.com")
    assert listed_ids(at) == ["r6", "r9"]  # the newest two of the five
    options = at.selectbox(key="voc_answer").options
    assert len(options) == 2 and options[0].endswith(" · r6") and options[1].endswith(" · r9")
    assert any("newest 2 of these 5 answers" in c.value for c in at.caption)
    assert metric(at, "Still open") == "5"  # the figures count the whole list
