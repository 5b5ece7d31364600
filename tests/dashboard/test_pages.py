"""One AppTest per page on the seeded warehouse: the numbers shown are the warehouse's numbers for
the same filters, a filter change changes them, and a URL's query parameters restore the filters."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from dashboard import board_pack
from dashboard.components import fmt_change
from dashboard.labels import HEADLINE_TRENDS
from warehouse.filters import Filters
from warehouse.metrics import METRICS

PAGES = {
    "overview": "pages/overview.py",
    "funnel": "pages/journey_funnel.py",
    "tiers": "pages/loyalty_tiers.py",
    "friction": "pages/friction_costs.py",
    "roadmap": "pages/roadmap.py",
    "voc": "pages/voice_of_customer.py",
    "review": "pages/monthly_review.py",
    "quality": "pages/data_quality.py",
    "explore": "pages/explore.py",
}


def default_filters(wh, days: int = 90, **dims) -> Filters:
    as_of = wh.as_of()
    return Filters(date_from=as_of - timedelta(days=days - 1), date_to=as_of, **dims)


def open_page(at, page: str):
    at.run()
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


TILE = re.compile(
    r'<div class="cx-tile( cx-small)?"[^>]*data-metric="(\w+)" data-value="([^"]*)" data-status="(\w+)"'
)


def tile(at, key: str) -> dict:
    """The KPI tile of a metric (the tiles are one grid): its shown value, status, whether greyed."""
    for md in at.markdown:
        for match in TILE.finditer(md.value):
            if match.group(2) == key:
                after = TILE.search(md.value, match.end())
                own = md.value[match.start() : after.start() if after else None]
                return {
                    "value": html.unescape(match.group(3)),
                    "small": bool(match.group(1)),
                    "status": match.group(4),
                    "html": own,
                }
    raise AssertionError(f"no tile for {key}")


def table(at, first_column: str, *having: str) -> pl.DataFrame:
    for df in at.dataframe:
        frame = pl.from_pandas(df.value)
        if frame.columns and frame.columns[0] == first_column and set(having) <= set(frame.columns):
            return frame
    raise AssertionError(
        f"no table starting with {first_column!r}: {[list(d.value.columns) for d in at.dataframe]}"
    )


def metric_rows(wh, f: Filters) -> dict:
    return {r["metric"]: r for r in wh.metrics(f).frame.to_dicts()}


# -- executive overview -----------------------------------------------------------------------
def test_overview_tiles_are_the_warehouse_metrics(app, wh):
    at = open_page(app(), "overview")
    expected = metric_rows(wh, default_filters(wh))
    for key in ("nps", "csat", "fcr", "aov", "churn_rate"):
        assert tile(at, key)["value"] == METRICS[key].fmt(expected[key]["value"])
    nps = expected["nps"]
    shown = tile(at, "nps")["html"]
    assert f"n = {nps['n']:,.0f}" in shown
    assert html.escape(fmt_change(METRICS["nps"], nps["change"])) in shown
    alerts = " ".join(md.value for md in at.markdown if "cx-alert-list" in md.value)
    for key, row in expected.items():
        if row["status"] == "alert":
            assert f"<b>{METRICS[key].label}</b>" in alerts
    charts_drawn = [c.key for c in at.get("plotly_chart")]  # a trend each, friction, roadmap health
    assert charts_drawn == [f"trends_{k}" for k in HEADLINE_TRENDS] + ["friction_top", "roadmap_health"]


def test_overview_filter_change_changes_the_numbers(app, wh):
    at = open_page(app(), "overview")
    before = tile(at, "aov")["value"]
    at.multiselect(key="channel").set_value(["web"]).run()
    expected = metric_rows(wh, default_filters(wh, channel=("web",)))
    after = tile(at, "aov")["value"]
    assert after == METRICS["aov"].fmt(expected["aov"]["value"])
    assert after != before


def test_overview_url_restores_the_filters(app, wh):
    region = wh.filter_options()["region"][0]
    # bound widgets keep their shown label in the URL: ?period=Last+30+days&compare=Same+period+last+year
    at = open_page(
        app({"period": "Last 30 days", "compare": "Same period last year", "region": region, "tier": "gold"}),
        "overview",
    )
    assert at.selectbox(key="period").value == "last_30"
    assert at.multiselect(key="region").value == [region]
    expected = metric_rows(wh, default_filters(wh, 30, region=(region,), tier=("gold",), compare="year"))
    assert tile(at, "aov")["value"] == METRICS["aov"].fmt(expected["aov"]["value"])
    assert "vs same period last year" in tile(at, "aov")["html"]


def test_unknown_and_malformed_parameters_are_ignored(app, wh):
    at = open_page(
        app(
            {
                "period": "fortnight",
                "from": "yesterday",
                "channel": "teleport",
                "junk": "1",
                "compare": "<script>",
            }
        ),
        "overview",
    )
    assert at.selectbox(key="period").value == "last_90"
    assert at.selectbox(key="compare").value == "previous"
    assert at.multiselect(key="channel").value == []
    expected = metric_rows(wh, default_filters(wh))
    assert tile(at, "nps")["value"] == METRICS["nps"].fmt(expected["nps"]["value"])


def test_small_samples_are_greyed(app, wh):
    """A tier's survey answers over 30 days fall below min_n: the tile says so and is greyed."""
    for tier in ("platinum", "gold", "silver"):
        f = default_filters(wh, 30, tier=(tier,))
        row = metric_rows(wh, f)["nps"]
        if row["is_small_sample"]:
            break
    else:
        pytest.skip("no tier has too few NPS answers in 30 days in this data")
    at = open_page(app({"period": "Last 30 days", "tier": tier}), "overview")
    shown = tile(at, "nps")
    assert shown["small"] and "too few answers" in shown["html"]


def test_stores_are_narrowed_to_the_region(app, wh):
    options = wh.filter_options()
    region = options["region"][0]
    at = open_page(app({"region": region}), "overview")
    stores = at.multiselect(key="store").options
    in_region = {s["store_id"] for s in options["stores_by_region"] if s["region"] == region}
    assert len(stores) == len(in_region) and len(stores) < len(options["stores_by_region"])


def test_filters_survive_a_page_switch(app):
    at = open_page(app({"tier": "gold"}), "overview")
    at.switch_page(PAGES["tiers"]).run()
    assert at.multiselect(key="tier").value == ["gold"]
    assert not at.exception


# -- journey funnel ---------------------------------------------------------------------------
def test_funnel_counts_and_costliest_drop_off(app, wh):
    at = open_page(app(), "funnel")
    expected = wh.funnel_dropoffs(default_filters(wh)).frame
    shown = table(at, "Journey", "Rate", "Rate is")
    assert shown["Count"].to_list() == expected["count_events"].cast(pl.Int64).to_list()
    assert shown["Rate"].to_list() == pytest.approx(expected["rate"].to_list(), nan_ok=True)
    assert "store orders" in shown["Step"].to_list()
    top = expected.filter(pl.col("is_costliest")).row(0, named=True)
    assert any(
        top["friction_label"] in e.value and f"£{top['yearly_cost_amount']:,.0f}" in e.value for e in at.error
    )
    at.multiselect(key="channel").set_value(["app"]).run()
    narrowed = wh.funnel_dropoffs(default_filters(wh, channel=("app",))).frame
    assert table(at, "Journey")["Count"].to_list() == narrowed["count_events"].cast(pl.Int64).to_list()
    assert narrowed["count_events"].to_list() != expected["count_events"].to_list()


# -- loyalty tiers ----------------------------------------------------------------------------
def test_tiers_table_and_url(app, wh):
    at = open_page(app({"segment": "Premium"}), "tiers")
    expected = wh.tier_performance(default_filters(wh, segment=("premium",))).frame
    shown = table(at, "Tier")
    assert "non-member" in shown["Tier"].to_list() or "none" not in expected["tier"].to_list()
    rows = dict(zip(shown["Tier"].to_list(), shown["Revenue £"].to_list(), strict=True))
    for r in expected.to_dicts():
        assert rows["non-member" if r["tier"] == "none" else r["tier"]] == pytest.approx(
            r["net_revenue_amount"]
        )
    assert len(at.get("plotly_chart")) == 2  # tier panels and the migration Sankey


def test_tiers_one_figure_one_value_with_n_issue14(app, wh):
    """Gold churn and CLV read the same in the tier table and with tier=gold; each customer is in one
    tier (the tiers add up to the distinct customers); n beside the figures."""
    at = open_page(app(), "tiers")
    shown = table(at, "Tier", "Churn %", "Churners", "NPS n", "CSAT n", "Churn n (12 months' customers)")
    gold = shown.filter(pl.col("Tier") == "gold").row(0, named=True)
    f = default_filters(wh)
    distinct = wh.scalar(
        "select count(distinct customer_id) from fct_orders where customer_id is not null "
        "and order_date between $a and $b",
        {"a": f.date_from, "b": f.date_to},
    )
    assert shown["Customers"].sum() == distinct
    card = metric_rows(wh, replace(f, tier=("gold",)))
    assert gold["Churn %"] == pytest.approx(card["churn_rate"]["value"])
    assert gold["CLV £"] == pytest.approx(card["clv"]["value"])
    filtered = table(open_page(app({"tier": "gold"}), "tiers"), "Tier", "Churn %")
    assert filtered["Churn %"].to_list() == [pytest.approx(gold["Churn %"])]


# -- friction ---------------------------------------------------------------------------------
def test_friction_costs_and_total(app, wh):
    at = open_page(app({"period": "Last 365 days"}), "friction")
    expected = wh.friction_priorities(default_filters(wh, 365)).frame.filter(pl.col("yearly_cost_amount") > 0)
    assert at.metric[0].value == f"£{expected['total_yearly_cost_amount'][0]:,.0f}"
    shown = table(at, "#").head(expected.height)
    assert shown["Yearly run-rate £"].to_list() == pytest.approx(expected["yearly_cost_amount"].to_list())
    assert shown["How the cost is computed"].to_list() == expected["cost_formula"].to_list()
    at.selectbox(key="period").set_value("last_30").run()
    narrowed = wh.friction_priorities(default_filters(wh, 30)).frame
    assert (
        at.metric[0].value
        == f"£{narrowed['total_yearly_cost_amount'][0]:,.0f}"
        != f"£{expected['total_yearly_cost_amount'][0]:,.0f}"
    )


def test_friction_costs_not_valued_are_named_not_zero_issue14(app, wh):
    """A period ending within the data's first 12 months: CLV has no value, so detractor churn is
    listed as not valued with the reason, never as a cost of 0 (nor dropped from the page)."""
    start = wh.data_start()
    f = Filters(date_from=start + timedelta(days=200), date_to=start + timedelta(days=289))
    expected = wh.friction_priorities(f).frame
    unvalued = expected.filter(pl.col("quadrant") == "not_valued")
    assert "detractor_churn" in unvalued["friction_point"].to_list()
    at = open_page(
        app({"period": "Custom dates", "from": str(f.date_from), "to": str(f.date_to)}), "friction"
    )
    shown = table(at, "#")
    row = shown.filter(pl.col("Friction point") == "Detractor churn").row(0, named=True)
    assert row["Yearly run-rate £"] is None or row["Yearly run-rate £"] != row["Yearly run-rate £"]  # NaN
    assert row["Not valued"].startswith("not valued: CLV needs 12 months of purchases")
    assert any(
        "Not valued, so not in the total" in w.value and "Detractor churn" in w.value for w in at.warning
    )
    valued = expected.filter(pl.col("yearly_cost_amount") > 0)
    assert at.metric[0].value == f"£{valued['total_yearly_cost_amount'][0]:,.0f}"
    late = shown.filter(pl.col("Friction point") == "Late deliveries (WISMO)").row(0, named=True)
    assert late["Not valued"].startswith("the late orders' churn part not valued")
    assert late["“Where is my order” contacts"] > 0 and late["Counted in"] == "late orders"


# -- roadmap ----------------------------------------------------------------------------------
def test_roadmap_kpis_are_measured(app, wh):
    at = open_page(app(), "roadmap")
    expected = wh.roadmap().frame
    shown = table(at, "ID", "KPI").filter(pl.col("KPI").is_not_null())
    measured = dict(zip(shown["ID"].to_list(), shown["Measured now"].to_list(), strict=True))
    for r in expected.to_dicts():
        if r["kpi_metric"] in METRICS:
            assert measured[r["initiative_id"]] == METRICS[r["kpi_metric"]].fmt(r["kpi_measured"])
    assert len(at.get("plotly_chart")) == 2  # timeline and KPI progress


# -- monthly review ---------------------------------------------------------------------------
def test_monthly_review_scorecard_and_board_pack(app, wh, seeded_db):
    month = wh.as_of().replace(day=1) - timedelta(days=1)
    month = month.replace(day=1)
    at = open_page(app({"review_month": f"{month:%B %Y}", "channel": "Web"}), "review")
    f = Filters(channel=("web",))
    expected = {r["metric"]: r for r in wh.month_scorecard(month, f).frame.to_dicts()}
    shown = table(at, "Metric")
    rows = {r["Metric"]: r for r in shown.to_dicts()}
    csat = rows[METRICS["csat"].label]
    assert csat["This month"].startswith(METRICS["csat"].fmt(expected["csat"]["value"]))
    assert csat["Previous month"] == METRICS["csat"].fmt(expected["csat"]["mom_value"])
    breaches = {r["metric"] for r in expected.values() if r["is_breach"]}
    if breaches:
        assert set(table(at, "Metric").columns) and any(
            METRICS[b].label in table(at, "Metric")["Metric"].to_list() for b in breaches
        )
    pack_file = board_pack.pack_path(seeded_db.parent / "board_packs", month, f)
    for path in (pack_file, pack_file.with_suffix(".html"), pack_file.with_suffix(".pdf")):
        path.unlink(missing_ok=True)
    at.button(key="make_pack").click().run(timeout=120)  # freezing prints the PDF once (Chromium)
    assert not at.exception and pack_file.exists()
    printed = Path("/usr/bin/chromium").exists()
    assert pack_file.with_suffix(".pdf").exists() == printed
    assert [b.label for b in at.get("download_button") if b.label.startswith("Board pack")] == [
        "Board pack (HTML)",
        "Board pack (XLSX)",
        *(["Board pack (PDF)"] if printed else []),
    ]


# -- data quality -----------------------------------------------------------------------------
def test_data_quality_counts(app, wh):
    at = open_page(app(), "quality")
    runs = wh.ingest_runs().frame
    assert table(at, "Run")["Rows quarantined"].to_list() == runs["count_rows_quarantined"].to_list()
    fresh = table(at, "Source", "Latest data")
    assert fresh["Records"].to_list() == wh.freshness().frame["count_rows"].to_list()
    loads = table(at, "Source", "Rows read")
    expected = wh.file_loads().frame
    assert loads["Rows read"].to_list() == expected["count_rows_read"].to_list()
    assert loads["Rows quarantined"].to_list() == expected["count_rows_quarantined"].to_list()
    rows = table(at, "File", "Offending value")
    assert rows.height == min(1000, wh.quarantined_rows().frame.height)
    assert len(at.get("plotly_chart")) == 2


# -- explore ----------------------------------------------------------------------------------
def test_explore_table_sql_and_url(app, wh):
    at = open_page(
        app({"mart": "mart_daily_contacts", "group_by": "reason", "measures": ["count_contacts", "fcr"]}),
        "explore",
    )
    expected = wh.explore("mart_daily_contacts", ["reason"], ["count_contacts", "fcr"], default_filters(wh))
    shown = table(at, "reason")
    assert shown["reason"].to_list() == expected.frame["reason"].to_list()
    assert shown["fcr"].to_list() == pytest.approx(expected.frame["fcr"].to_list())
    assert any(expected.sql in c.value for c in at.code)
    at.multiselect(key="channel").set_value(["phone"]).run()
    narrowed = wh.explore(
        "mart_daily_contacts",
        ["reason"],
        ["count_contacts", "fcr"],
        replace(default_filters(wh), channel=("phone",)),
    )
    assert (
        table(at, "reason")["count_contacts"].to_list()
        == narrowed.frame["count_contacts"].cast(pl.Int64).to_list()
    )


def test_friction_what_if_uses_edited_assumptions(app, wh, downloads):
    saved = wh.cost_assumptions().frame
    row = saved["setting"].to_list().index("cost_per_transfer")
    at = app()
    at.session_state["assumptions_editor"] = {
        "edited_rows": {row: {"setting_value": 50.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    open_page(at, "friction")
    what_if = wh.friction_priorities(default_filters(wh), {"cost_per_transfer": 50.0}).frame
    assert at.metric[0].label.endswith("(what-if)")
    assert at.metric[0].value == f"£{what_if['total_yearly_cost_amount'][0]:,.0f}"
    assert wh.assumptions()["cost_per_transfer"] != 50.0  # nothing written back
    button = next(b for b in at.get("download_button") if b.label.startswith("Download as a new version"))
    csv = downloads(button).decode().splitlines()
    version = int(saved["version"].max()) + 1
    assert csv[0] == "version,valid_from,setting,value,unit,description"
    assert any(line.startswith(f"{version},") and ",cost_per_transfer,50.0," in line for line in csv)
    assert len(csv) == saved.height + 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"period": "Calendar month", "month": "September 2026"}, "01 Sep 2026 – 30 Sep 2026"),
        ({"period": "Quarter", "quarter": "2026-Q2"}, "01 Apr 2026 – 30 Jun 2026"),
        ({"period": "Custom dates", "from": "2026-05-02", "to": "2026-06-30"}, "02 May 2026 – 30 Jun 2026"),
        (
            {"period": "Custom dates", "from": "1999-01-01", "to": "not-a-date"},
            None,
        ),  # out of range: defaults
    ],
)
def test_period_choices_from_the_url(app, wh, params, expected):
    at = open_page(app(params), "overview")
    if expected is None:  # malformed or out-of-range dates fall back to the widgets' defaults
        as_of = wh.as_of()
        expected = f"{as_of - timedelta(days=89):%d %b %Y} – {as_of:%d %b %Y}"
    assert at.sidebar.caption[0].value == expected
    assert not at.exception
