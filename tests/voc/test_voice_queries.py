"""Issue 18 items 2, 3 and 5: fct_comments (columns, grain), the voice queries on the seeded
comments (accuracy, themes with NPS/CSAT of mentioners, emerging themes, drivers), the scope, and
`cx voc --json`."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from cli.main import app
from warehouse import snapshots
from warehouse.api import Warehouse
from warehouse.filters import Filters
from warehouse.queries.voice import _drivers, ols_hc3
from warehouse.scope import Scope

pytestmark = pytest.mark.slow
WHOLE = {"date_from": date(2026, 1, 1), "date_to": date(2026, 6, 30)}
LAST_MONTH = {"date_from": date(2026, 5, 31), "date_to": date(2026, 6, 29)}


@pytest.fixture(scope="module")
def wh(fitted):
    warehouse = Warehouse.open(fitted[0])
    yield warehouse
    warehouse.close()


def test_fct_comments_has_one_row_per_answer_with_a_comment(fitted):
    db, truth = fitted
    con = duckdb.connect(str(snapshots.current_snapshot(db)), read_only=True)
    frame = con.cursor().sql("select * from fct_comments").pl()
    answers = con.execute("select count(*) from fct_survey_responses").fetchone()[0]
    con.close()
    for column in ("response_id", "survey", "score", "answered_at", "language", "sentiment", "theme"):
        assert column in frame.columns
    assert frame.height == len(truth) < answers  # answers without a comment are not in it
    assert frame["response_id"].n_unique() == frame.height
    assert set(frame["response_id"]) == set(truth)
    assert frame["sentiment"].is_between(-1, 1).all() and set(frame["language"]) == {"en"}


def test_accuracy_per_language(wh):
    acc = wh.voice_accuracy(Filters(**WHOLE)).frame.to_dicts()
    assert [a["language"] for a in acc] == ["en"]
    (en,) = acc
    assert en["status"] == "measured" and en["auc"] > 0.9 and en["auc_nps"] > 0.9
    assert en["count_happy"] + en["count_unhappy"] == en["count_scored"] == en["count_comments"]


def test_themes_carry_volume_share_sentiment_and_the_scores_of_mentioners(wh, fitted):
    db, truth = fitted
    themes = wh.voice_themes(Filters(**WHOLE)).frame
    assert themes["count_comments"].sum() == len(truth)
    assert abs(themes["share"].sum() - 1) < 1e-9
    # NPS of the mentioners by metrics.toml's definition, recomputed here from fct_comments
    con = duckdb.connect(str(snapshots.current_snapshot(db)), read_only=True)
    top = themes.row(0, named=True)
    promoters, detractors, n = con.execute(
        "select count(*) filter (where is_promoter), count(*) filter (where is_detractor), "
        "count(*) filter (where survey = 'nps') from fct_comments where theme = $t",
        {"t": top["theme"]},
    ).fetchone()
    con.close()
    assert top["nps_n"] == n and top["nps"] == pytest.approx(100 * (promoters - detractors) / n)
    by_region = wh.voice_themes(Filters(**WHOLE), by="region").frame
    assert set(by_region["region"]) == {"North", "South"}
    assert by_region["count_comments"].sum() == len(truth)


def test_the_delivery_spike_is_an_emerging_theme(wh):
    emerging = wh.voice_emerging_themes(Filters(**LAST_MONTH)).frame
    flagged = emerging.filter(pl.col("is_emerging"))
    assert flagged.height >= 1
    words = " ".join(flagged["theme"].to_list())
    assert any(w in words for w in ("parcel", "courier", "delivery", "tracking", "box", "late", "arrived"))
    assert all(m.startswith("Emerging theme") for m in flagged["message"])
    # the months before had no spike: nothing emerges there
    quiet = wh.voice_emerging_themes(Filters(date(2026, 3, 1), date(2026, 3, 31))).frame
    assert not quiet["is_emerging"].any()


def test_a_region_managers_voice_equals_the_region_filter(wh):
    scoped = Filters(**WHOLE, scope=Scope.of(regions=["North"]))
    filtered = Filters(**WHOLE, region=("North",))
    for call in (wh.voice_themes, wh.voice_accuracy, wh.voice_sentiment_trend, wh.voice_emerging_themes):
        assert_frame_equal(call(scoped).frame, call(filtered).frame)
    assert_frame_equal(wh.voice_drivers(scoped).frame, wh.voice_drivers(filtered).frame)
    everyone = wh.voice_themes(Filters(**WHOLE)).frame["count_comments"].sum()
    assert wh.voice_themes(scoped).frame["count_comments"].sum() < everyone
    # a filter cannot widen the scope
    assert wh.voice_themes(Filters(**WHOLE, region=("South",), scope=Scope.of(regions=["North"]))).empty


def test_drivers_rank_themes_with_confidence_intervals(wh):
    drivers = wh.voice_drivers(Filters(**WHOLE), "nps").frame
    measured = drivers.filter(pl.col("status") == "measured")
    assert measured.height >= 2 and (measured["ci_low"] <= measured["effect"]).all()
    assert (measured["effect"] <= measured["ci_high"]).all()
    assert measured["effect"].abs().to_list() == sorted(measured["effect"].abs().to_list(), reverse=True)
    not_measured = drivers.filter(pl.col("status") == "not_measured")
    assert not_measured["reason"].is_not_null().all()  # no operational facts here: said, not zero
    late = drivers.filter(pl.col("driver") == "late_delivery").row(0, named=True)
    assert late["friction_point"] == "late_deliveries" and late["effect"] is None


def test_the_drivers_ols_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(18)
    x = np.column_stack([np.ones(500), rng.random(500) < 0.3, rng.random(500) < 0.5, rng.normal(size=500)])
    y = 10 - 30 * x[:, 1] + 5 * x[:, 2] + rng.normal(0, 40, 500)
    beta, se = ols_hc3(x, y)
    fit = sm.OLS(y, x).fit(cov_type="HC3")
    np.testing.assert_allclose(beta, fit.params, rtol=1e-9)
    np.testing.assert_allclose(se, fit.bse, rtol=1e-9)


def test_grouped_rows_weighted_by_their_counts_give_the_models_of_the_rows_repeated():
    rng = np.random.default_rng(20)
    x = np.column_stack([np.ones(40), rng.random(40) < 0.3, rng.random(40) < 0.5, rng.random(40) < 0.2])
    y = rng.choice([-100.0, 0.0, 100.0], 40)
    counts = rng.integers(1, 30, 40)
    beta, se = ols_hc3(x, y, counts)
    beta_rows, se_rows = ols_hc3(np.repeat(x, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(beta, beta_rows, rtol=1e-9)
    np.testing.assert_allclose(se, se_rows, rtol=1e-9)


def test_the_drivers_of_grouped_answers_are_those_of_one_row_per_answer(wh):
    drivers = wh.voice_drivers(Filters(**WHOLE), "nps")
    grouped = wh.run(drivers.sql, drivers.params)
    rows = grouped.frame.select(pl.exclude("count_answers").repeat_by(pl.col("count_answers")).explode())
    rows = rows.with_columns(count_answers=pl.lit(1))  # one row per answer
    assert grouped.frame.height < rows.height  # grouped: fewer rows than answers
    assert_frame_equal(_drivers(grouped.frame, "nps"), _drivers(rows, "nps"), rel_tol=1e-9)
    assert_frame_equal(drivers.frame, _drivers(rows, "nps"), rel_tol=1e-9)


def test_cx_voc_json_gives_the_pages_data(fitted):
    db, _ = fitted
    args = ["voc", "--db", str(db), "--from", "2026-01-01", "--to", "2026-06-30", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"filters", "accuracy", "sentiment_trend", "themes", "emerging_themes", "drivers"}
    assert out["accuracy"][0]["language"] == "en" and out["accuracy"][0]["auc"] > 0.9
    assert sum(t["count_comments"] for t in out["themes"]) > 0
    assert set(out["drivers"]) == {"nps", "csat"}
    north = CliRunner().invoke(app, [*args, "--region", "North"])
    assert json.loads(north.output)["themes"] != out["themes"]


def test_the_monthly_review_names_the_emerging_theme_in_what_moved(wh):
    from dashboard import board_pack

    june = wh.month_emerging_themes(date(2026, 6, 1)).frame
    assert june["is_emerging"].any()
    pack = board_pack.collect(wh, date(2026, 6, 1), Filters())
    messages = [r["message"] for r in pack["emerging_themes"]]
    assert messages and set(messages) <= set(board_pack.summary(pack)["moved"])
    old = {k: v for k, v in pack.items() if k != "emerging_themes"}  # a pack frozen before issue 18
    assert board_pack.summary(old)["moved"] == [
        m for m in board_pack.summary(pack)["moved"] if m not in messages
    ]


def test_cx_voc_as_a_region_manager_equals_the_region_filter(fitted, tmp_path, monkeypatch):
    db, _ = fitted
    access = tmp_path / "access.toml"
    access.write_text('[users."north.manager@example.com"]\nrole = "region_manager"\nregions = ["North"]\n')
    monkeypatch.setenv("CX_ACCESS", str(access))
    base = ["voc", "--db", str(db), "--from", "2026-01-01", "--to", "2026-06-30", "--json"]
    runner = CliRunner()
    scoped = runner.invoke(app, [*base, "--as", "north.manager@example.com"])
    filtered = runner.invoke(app, [*base, "--region", "North"])
    assert scoped.exit_code == 0 == filtered.exit_code, scoped.output
    a, b = json.loads(scoped.output), json.loads(filtered.output)
    assert {k: v for k, v in a.items() if k != "filters"} == {k: v for k, v in b.items() if k != "filters"}
    outside = runner.invoke(app, [*base, "--as", "north.manager@example.com", "--region", "South"])
    assert outside.exit_code == 1 and "outside" in json.loads(outside.output)["error"]
    unknown = runner.invoke(app, [*base, "--as", "nobody@example.com"])
    assert unknown.exit_code == 1
