"""The seeded demo exports: deterministic, in the contract's format, with exactly the seeded bad
rows, and telling the story the dashboard pages rely on (tiers, late deliveries, launches)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from demo import generator
from demo.generator import DEFAULT_END, SOURCES, generate, write_exports
from demo.roadmap import BASELINE_DAYS, INITIATIVES, day_ts
from demo.timeline import Period
from ingest.contracts import CONTRACTS, COST_SETTINGS, SURVEY_SCALES

SMALL = 0.02
STORY = 0.2
BAD_SOURCES = ("orders", "customers", "contacts", "surveys", "sessions")
CLEAN_SOURCES = ("stores", "roadmap", "roadmap_checkins", "cost_assumptions")
INTEGER_RE = r"^[+-]?[0-9]+$"
NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
TS_FORMAT = "%Y-%m-%d %H:%M:%S"
# Latest plausible time in the data: promises made on the last day lie a few days ahead.
LATEST = dt.datetime.combine(DEFAULT_END, dt.time()) + dt.timedelta(days=10)


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame]:
    return generate(scale=SMALL, seed=7)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple:
    out = tmp_path_factory.mktemp("exports")
    paths = write_exports(out, scale=SMALL, seed=7)
    return out, paths, json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module", params=[None, 500], ids=["one_block", "eight_blocks"])
def story(request) -> dict[str, pl.DataFrame]:
    """The story at scale 0.2 (4,000 customers): one block, and eight blocks of 500 customers, which
    must tell the same story (the roadmap's baselines added up over the blocks, ids run on)."""
    with pytest.MonkeyPatch.context() as patch:
        if request.param:
            patch.setattr(generator, "CUSTOMERS_PER_BLOCK", request.param)
        return generate(scale=STORY, seed=42)


# Determinism and format ---------------------------------------------------------------------------


def test_same_seed_gives_identical_frames(small):
    again = generate(scale=SMALL, seed=7)
    assert list(again) == list(small)
    for source, frame in small.items():
        assert_frame_equal(frame, again[source])


def test_other_seed_gives_other_data(small):
    other = generate(scale=SMALL, seed=8)
    for source in ("orders", "contacts", "surveys", "sessions", "customers"):
        assert not other[source].equals(small[source]), source


def test_written_files_are_byte_identical_for_the_same_seed(written, tmp_path):
    out, paths, _ = written
    again = write_exports(tmp_path, scale=SMALL, seed=7)
    assert set(again) == set(paths) == set(SOURCES)
    for source, path in paths.items():
        assert path.name == f"{source}.csv"
        assert path.read_bytes() == again[source].read_bytes(), source
    assert (out / "manifest.json").read_bytes() == (tmp_path / "manifest.json").read_bytes()


def test_headers_and_columns_follow_the_contracts(small, written):
    _, paths, _ = written
    assert list(small) == list(SOURCES)
    for source, frame in small.items():
        names = CONTRACTS[source].names
        assert frame.columns == names
        assert all(dtype == pl.Utf8 for dtype in frame.dtypes), source
        with open(paths[source], encoding="utf-8", newline="") as fh:
            header = fh.readline()
        assert header == ",".join(names) + "\n"


def test_written_files_read_back_as_the_frames(small, written):
    _, paths, _ = written
    for source, frame in small.items():
        back = pl.read_csv(paths[source], infer_schema=False)
        assert_frame_equal(back, frame, check_dtypes=False)


def test_row_counts_scale_linearly(small, story):
    quarter = generate(scale=STORY / 4, seed=42)
    for source in BAD_SOURCES:
        ratio = story[source].height / quarter[source].height
        assert 3.4 < ratio < 4.6, (source, ratio)
    for source in CLEAN_SOURCES:
        assert story[source].height == quarter[source].height == small[source].height


def test_default_sizes_per_unit_of_scale(story):
    per_unit = {source: story[source].height / STORY for source in BAD_SOURCES}
    assert 170_000 < per_unit["orders"] < 230_000
    assert 30_000 < per_unit["contacts"] < 50_000
    assert 15_000 < per_unit["surveys"] < 25_000
    assert 240_000 < per_unit["sessions"] < 260_000
    customers = story["customers"]["customer_id"].n_unique() / STORY
    assert 19_000 < customers < 21_000
    assert story["stores"].height == 24 + 4


# Bad rows ----------------------------------------------------------------------------------------


def _defects(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """One boolean column "<rule>|<column>" per check, computed independently of the generator."""
    contract = CONTRACTS[source]
    checks = []
    for c in contract.columns:
        col = pl.col(c.name)
        if c.required:
            checks.append(col.is_null().alias(f"missing_required|{c.name}"))
        value = None
        if c.type == "integer":
            bad = col.is_not_null() & ~col.str.contains(INTEGER_RE)
            checks.append(bad.alias(f"unparseable_integer|{c.name}"))
            value = col.cast(pl.Int64, strict=False)
        elif c.type == "number":
            bad = col.is_not_null() & ~col.str.contains(NUMBER_RE)
            checks.append(bad.alias(f"unparseable_number|{c.name}"))
            value = col.cast(pl.Float64, strict=False)
        elif c.type in ("timestamp", "date"):
            parsed = (
                col.str.strptime(pl.Datetime, TS_FORMAT, strict=False)
                if c.type == "timestamp"
                else col.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime)
            )
            checks.append((col.is_not_null() & parsed.is_null()).alias(f"unparseable_{c.type}|{c.name}"))
            checks.append(
                (parsed < dt.datetime(2000, 1, 1)).fill_null(False).alias(f"timestamp_before_2000|{c.name}")
            )
            if not getattr(c, "future_ok", False):
                checks.append((parsed > LATEST).fill_null(False).alias(f"timestamp_in_future|{c.name}"))
        elif c.type == "boolean":
            bad = col.is_not_null() & ~col.is_in(["true", "false"])
            checks.append(bad.alias(f"unparseable_boolean|{c.name}"))
        if c.allowed:
            checks.append((col.is_not_null() & ~col.is_in(list(c.allowed))).alias(f"unknown_value|{c.name}"))
        if value is not None and (c.min is not None or c.max is not None):
            rule = "negative_quantity" if (source, c.name) == ("orders", "quantity") else "out_of_range"
            low = (value < c.min) if c.min is not None else pl.lit(False)
            high = (value > c.max) if c.max is not None else pl.lit(False)
            checks.append((low | high).fill_null(False).alias(f"{rule}|{c.name}"))
    if source == "surveys":
        score = pl.col("score").cast(pl.Int64, strict=False)
        off = pl.lit(False)
        for survey, (lo, hi) in SURVEY_SCALES.items():
            off = off | ((pl.col("survey") == survey) & ((score < lo) | (score > hi))).fill_null(False)
        checks.append(off.alias("score_out_of_scale|score"))
    key = list(contract.key)
    checks.append((~pl.struct(key).is_first_distinct()).alias(f"duplicate_key|{','.join(key)}"))
    return frame.select(checks)


@pytest.mark.parametrize("source", BAD_SOURCES)
def test_bad_row_share_and_kinds(written, source):
    _, _, manifest = written
    entry = manifest["files"][source]
    share = len(entry["bad_rows"]) / entry["rows"]
    assert 0.004 <= share <= 0.012, share
    assert len({b["rule"] for b in entry["bad_rows"]}) >= min(4, len(entry["bad_rows"]))


def test_all_rule_kinds_are_seeded(written):
    _, _, manifest = written
    rules = {b["rule"] for f in manifest["files"].values() for b in f["bad_rows"]}
    assert rules == {
        "missing_required",
        "unparseable_integer",
        "unparseable_number",
        "unparseable_timestamp",
        "unparseable_date",
        "unknown_value",
        "out_of_range",
        "score_out_of_scale",
        "negative_quantity",
        "timestamp_in_future",
        "timestamp_before_2000",
        "duplicate_key",
    }
    for source in CLEAN_SOURCES:
        assert manifest["files"][source]["bad_rows"] == []
    assert manifest["seed"] == 7 and manifest["scale"] == SMALL and manifest["end"] == "2026-10-31"


@pytest.mark.parametrize("source", list(SOURCES))
def test_each_seeded_row_has_exactly_its_defect_and_every_other_row_none(small, written, source):
    _, _, manifest = written
    frame = small[source]
    flags = _defects(frame, source)
    bad = {b["row_number"] - 1: f"{b['rule']}|{b['column']}" for b in manifest["files"][source]["bad_rows"]}
    is_bad = np.zeros(frame.height, dtype=bool)
    is_bad[list(bad)] = True
    any_defect = flags.select(pl.any_horizontal(pl.all())).to_series().to_numpy()
    assert not any_defect[~is_bad].any(), flags.filter(pl.Series(~is_bad & any_defect)).head()
    for row, check in bad.items():
        found = [name for name, value in flags.row(row, named=True).items() if value]
        assert found == [check], (row + 1, frame.row(row), found)


def test_duplicate_rows_repeat_an_earlier_key(small, written):
    _, _, manifest = written
    for source in BAD_SOURCES:
        frame = small[source].with_row_index("i")
        key = list(CONTRACTS[source].key)
        for b in manifest["files"][source]["bad_rows"]:
            if b["rule"] != "duplicate_key":
                continue
            row = frame.row(b["row_number"] - 1, named=True)
            same = frame.filter(pl.all_horizontal(pl.col(k) == row[k] for k in key))
            assert same["i"].to_list()[0] < b["row_number"] - 1 and same.height == 2


def test_good_values_parse_and_stay_in_the_period(small, written):
    _, _, manifest = written
    period = Period.ending(DEFAULT_END)
    for source, frame in small.items():
        bad = [b["row_number"] - 1 for b in manifest["files"][source]["bad_rows"]]
        good = frame.filter(~pl.Series(np.isin(np.arange(frame.height), bad)))
        for c in CONTRACTS[source].columns:
            if c.type != "timestamp" or c.future_ok:
                continue
            ts = good[c.name].drop_nulls().str.strptime(pl.Datetime, TS_FORMAT)
            assert ts.min() >= dt.datetime.combine(period.start, dt.time()), (source, c.name)
            assert ts.max() <= dt.datetime.combine(period.end, dt.time(23, 59, 59)), (source, c.name)


# Story -------------------------------------------------------------------------------------------


def _ts(col: str) -> pl.Expr:
    return pl.col(col).str.strptime(pl.Datetime, TS_FORMAT, strict=False)


@pytest.fixture(scope="module")
def orders(story) -> pl.DataFrame:
    return (
        story["orders"]
        .with_columns(
            ordered=_ts("ordered_at"),
            promised=_ts("promised_at"),
            delivered=_ts("delivered_at"),
            net=pl.col("quantity").cast(pl.Int64, strict=False)
            * pl.col("unit_price").cast(pl.Float64, strict=False)
            - pl.col("discount").cast(pl.Float64, strict=False),
        )
        .filter(pl.col("ordered").dt.year().is_between(2025, 2026))
        .group_by("order_id")
        .agg(
            pl.col("ordered", "customer_id", "channel", "promised", "delivered").first(), pl.col("net").sum()
        )
    )


@pytest.fixture(scope="module")
def current_tier(story) -> pl.DataFrame:
    spells = story["customers"].filter(pl.col("tier").is_in(["none", "bronze", "silver", "gold", "platinum"]))
    return spells.sort("customer_id", "tier_since").group_by("customer_id").agg(pl.col("tier").last())


def test_tier_mix_at_the_end(current_tier):
    share = dict(current_tier["tier"].value_counts(normalize=True).iter_rows())
    expected_share = {"none": 0.35, "bronze": 0.35, "silver": 0.17, "gold": 0.09, "platinum": 0.04}
    for tier, expected in expected_share.items():
        assert abs(share[tier] - expected) < 0.03, (tier, share[tier])


def test_platinum_buys_more_often_and_spends_more_than_bronze(orders, current_tier):
    per_tier = (
        orders.join(current_tier, on="customer_id")
        .group_by("tier")
        .agg(per_customer=pl.len() / pl.col("customer_id").n_unique(), aov=pl.col("net").mean())
    )
    t = {row["tier"]: row for row in per_tier.iter_rows(named=True)}
    assert t["platinum"]["per_customer"] > 2 * t["bronze"]["per_customer"]
    assert t["platinum"]["per_customer"] > t["gold"]["per_customer"] > t["silver"]["per_customer"]
    assert t["platinum"]["aov"] > t["bronze"]["aov"] > t["none"]["aov"]


def test_seasonality_and_channels(orders):
    by_month = dict(orders.group_by(pl.col("ordered").dt.strftime("%Y-%m")).len().iter_rows())
    assert by_month["2025-12"] > 1.4 * by_month["2025-07"]  # Christmas peak over the summer dip
    assert by_month["2025-11"] > 1.2 * by_month["2025-09"]
    share = dict(orders["channel"].value_counts(normalize=True).iter_rows())
    expected_share = {"store": 0.45, "web": 0.30, "app": 0.15, "marketplace": 0.07, "phone": 0.03}
    for channel, expected in expected_share.items():
        assert abs(share[channel] - expected) < 0.05, (channel, share[channel])


def test_late_deliveries_bring_where_is_my_order_contacts(orders, story):
    wismo = story["contacts"].filter(pl.col("reason") == "order_status").select("order_id").unique()
    delivered = (
        orders.filter(pl.col("delivered").is_not_null())
        .with_columns(late=pl.col("delivered") > pl.col("promised"))
        .join(wismo.with_columns(asked=pl.lit(True)), on="order_id", how="left")
    )
    rate = dict(delivered.group_by("late").agg(pl.col("asked").is_not_null().mean()).iter_rows())
    assert rate[True] > 2.5 * rate[False]
    late_share = delivered["late"].mean()
    assert 0.06 < late_share < 0.14


def test_churn_is_plausible(orders):
    end = dt.datetime.combine(DEFAULT_END, dt.time(23, 59, 59))
    last = (
        orders.filter(pl.col("customer_id").is_not_null())
        .filter(pl.col("ordered") > end - dt.timedelta(days=365))
        .group_by("customer_id")
        .agg(pl.col("ordered").max())
    )
    churn = (last["ordered"] <= end - dt.timedelta(days=180)).mean()
    assert 0.15 < churn < 0.35


def test_experience_scores_are_plausible(story):
    s = story["surveys"].with_columns(score=pl.col("score").cast(pl.Int64, strict=False))
    nps = s.filter(pl.col("survey") == "nps")["score"]
    csat = s.filter(pl.col("survey") == "csat")["score"]
    ces = s.filter((pl.col("survey") == "ces") & pl.col("score").is_between(1, 7))["score"]
    assert 15 < 100 * ((nps >= 9).mean() - (nps <= 6).mean()) < 45
    assert 0.70 < (csat >= 4).mean() < 0.90
    assert 4.5 < ces.mean() < 5.5


def test_funnel_conversion_and_cart_abandonment(story):
    steps = story["sessions"]["furthest_step"]
    purchases = (steps == "purchase").sum()
    carts = steps.is_in(["add_to_cart", "checkout", "purchase"]).sum()
    assert 0.02 < purchases / len(steps) < 0.04
    assert 0.60 < 1 - purchases / carts < 0.78
    bought = story["sessions"].filter(pl.col("furthest_step") == "purchase")["order_id"]
    assert bought.is_not_null().all()
    web_app = story["orders"].filter(pl.col("channel").is_in(["web", "app"]))["order_id"]
    assert bought.is_in(web_app.implode()).mean() > 0.99


def _contact_rates(contacts: pl.DataFrame, lo: int, hi: int) -> dict[str, float]:
    epoch = dt.datetime(1970, 1, 1)
    window = (epoch + dt.timedelta(seconds=lo), epoch + dt.timedelta(seconds=hi))
    c = contacts.with_columns(opened=_ts("opened_at"))
    c = c.filter(pl.col("opened").is_between(*window, closed="left"))
    return {
        "transfer_rate": 100 * (c["transfers"].cast(pl.Int64, strict=False) > 0).mean(),
        "self_service_rate": 100
        * (
            (c["resolved_at"] != "")
            & c["resolved_at"].is_not_null()
            & (c["resolved_by"] != "agent")
            & ((c["resolved_by"] == "bot") | (c["channel"] == "self_service"))
        ).mean(),
        "avg_wait": c["wait_seconds"].cast(pl.Float64, strict=False).mean(),
    }


@pytest.mark.parametrize("initiative_id", ["CX-05", "CX-06", "CX-07"])
def test_a_launched_initiative_moves_its_kpi_from_its_baseline(story, initiative_id):
    initiative = next(i for i in INITIATIVES if i.initiative_id == initiative_id)
    period = Period.ending(DEFAULT_END)
    launch = day_ts(period, initiative.launch_day)
    full = day_ts(period, initiative.launch_day + initiative.ramp_days)
    # The baseline is measured over the diagnose phase (programme days 1-60), before every launch.
    assert launch >= day_ts(period, BASELINE_DAYS[1] + 1)
    before = _contact_rates(
        story["contacts"], day_ts(period, BASELINE_DAYS[0]), day_ts(period, BASELINE_DAYS[1] + 1)
    )[initiative.kpi]
    after = _contact_rates(story["contacts"], full, period.end_ts + 1)[initiative.kpi]
    roadmap = story["roadmap"].filter(pl.col("initiative_id") == initiative_id).row(0, named=True)
    baseline, target = float(roadmap["baseline"]), float(roadmap["target"])
    assert abs(baseline - before) < 0.02 * before  # the roadmap's baseline is that measurement
    lower_is_better = target < baseline
    if lower_is_better:
        assert after < 0.9 * before, (before, after)
    else:
        assert after > 1.25 * before, (before, after)


def test_roadmap_timeline(story):
    roadmap = story["roadmap"]
    start = dt.date.fromisoformat(roadmap["programme_start"][0])
    assert (DEFAULT_END - start).days + 1 == 139
    assert set(roadmap["phase"]) == {"diagnose", "deliver", "operationalize"}
    checkins = story["roadmap_checkins"].with_columns(pct=pl.col("percent_complete").cast(pl.Float64))
    rising = checkins.group_by("initiative_id").agg(ok=(pl.col("pct").diff().fill_null(0) >= 0).all())
    assert rising["ok"].all()
    costs = story["cost_assumptions"]
    assert set(costs["version"]) == {"1", "2"}
    for version in ("1", "2"):
        assert costs.filter(pl.col("version") == version)["setting"].sort().to_list() == sorted(COST_SETTINGS)


def test_negated_zero_is_still_negative():
    """A seeded out_of_range on a zero wait was written as "-0", which is not below zero, so the
    manifest listed one bad row the ingest rightly loaded (contacts 264 quarantined vs 265 seeded)."""
    from demo.bad_rows import Columns, _corrupt

    cols = {"wait_seconds": pl.Series(["0", "0.0", "12"])}
    out = _corrupt(np.random.default_rng(0), Columns(cols), "wait_seconds", "negate", np.array([0, 1, 2]))
    assert out.to_list() == ["-1", "-1", "-12"]
