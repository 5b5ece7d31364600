"""The benchmark times what the pages really run: bench/page_queries.py must call, for each page,
exactly the `dashboard.data` functions that page (and app.py, before every page) calls."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from bench import page_queries, report
from bench.page_queries import (
    BARE_SQL,
    OTHER_VIEWS,
    PAGES,
    VIEW_PAGES,
    bare_params,
    run_page,
    typical_filters,
    view_filters,
)
from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
from warehouse.api import Warehouse

ROOT = Path(__file__).resolve().parents[2]
# dashboard.data functions that are not warehouse queries
NOT_QUERIES = {
    "db_path", "board_pack_dir", "snapshot_name", "warehouse", "configure",
    "audit_log",  # the audit log's JSON lines, read beside the warehouse
    "current_targets", "targets_file", "save_targets",  # targets versions: files beside the warehouse
    "board_pack_figures",  # only when the governance team clicks "Make the board pack"
    "set_follow_up", "follow_up_history",  # the follow-up store beside the warehouse, on a click
    "follow_up_list_later",  # the whole follow-up list, read when a CRM file is made
    "retention",  # the retention policy file beside data_kept's frame (and the audit folder)
}  # fmt: skip


# calls a page makes only when the warehouse lacks something the benchmark's demo data has
# (friction costs: the events without cost assumptions)
ONLY_WITHOUT_DATA = {"friction_costs": {"friction_costs"}}
# calls a page makes only when the viewer chooses something other than the default view: the voice
# page's theme breakdown, its CSAT drivers, a status filter on a long follow-up list
ONLY_ON_A_CHOICE = {"voice_of_customer": {"voice_themes", "voice_drivers", "follow_up_rows"}}


def data_calls(path: Path) -> set[str]:
    """Names of the `data.<name>(...)` calls in a page file."""
    tree = ast.parse(path.read_text())
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "data"
    } - NOT_QUERIES


@pytest.fixture(scope="module")
def wh(seeded_db):  # noqa: F811
    return Warehouse.open(seeded_db)


def test_every_page_file_has_a_query_set():
    assert set(PAGES) == {p.stem for p in (ROOT / "pages").glob("*.py")}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_query_set_calls_what_the_page_and_app_py_call(wh, page):
    # the voice page's follow-up list is empty in the demo's typical view (the page then says so)
    f = (
        view_filters(wh, "every_channel_and_tier")
        if page == "voice_of_customer"
        else typical_filters(wh.as_of())
    )
    called = set(run_page(wh, page, f))
    expected = data_calls(ROOT / "pages" / f"{page}.py") | data_calls(ROOT / "app.py")
    assert called == expected - ONLY_WITHOUT_DATA.get(page, set()) - ONLY_ON_A_CHOICE.get(page, set())


def test_a_long_follow_up_list_is_fetched_as_the_page_fetches_it(wh, monkeypatch):
    f = view_filters(wh, "every_channel_and_tier")
    assert wh.follow_up_index(f).frame.height > 0
    monkeypatch.setattr(page_queries, "EAGER_CSV_ROWS", 0)
    view = page_queries.View(wh)
    page_queries.voice_of_customer(view, f)
    [(name, page)] = view._memo.items()
    assert name[0] == "voice_page" and page.listed is None and page.shown.frame.height > 0


@pytest.mark.parametrize("page", list(PAGES))
def test_bare_aggregates_run_on_the_facts(wh, page):
    f = typical_filters(wh.as_of())
    frame = wh.run(BARE_SQL[page], bare_params(page, f)).frame
    assert frame.height >= 1 and frame.width >= 2


def test_report_marks_targets():
    timings = {
        "cold": 0.5,
        "warm": [0.1] * 18 + [0.2] * 2,
        "uncached": [0.12],
        "bare": [0.02],
        "calls": ["as_of"],
        "cold_sql": 9,
        "warm_sql": 5,
    }
    result = {
        "millions": 10,
        "scale": 51.2,
        "orders_rows": 10_000_000,
        "orders_mb": 1300.0,
        "rows": {"orders": 10_000_000, "contacts": 1_950_000, "surveys": 1_300_000},
        "generate_s": 60.0,
        "generate_gb": 5.0,
        "raw_s": 10.0,
        "raw_gb": 0.9,
        "raw_typed_s": 8.0,
        "raw_typed_gb": 0.9,
        "raw_typed_rows": 9_990_000,
        "stage_floor_s": 11.0,
        "stage_floor_gb": 0.8,
        "stage_floor": {"rows": 10_000_000, "stage_s": 4.5, "copy_s": 6.0},
        "ingest_s": 19.0,
        "ingest_gb": 1.0,
        "ingest_others_s": 30.0,
        "ingest_others_gb": 1.2,
        "build_s": 90.0,
        "build_gb": 3.0,
        "ingest_result": {"rows_read": 10_000_000, "rows_loaded": 9_990_000, "rows_quarantined": 10_000},
        "pages": {"overview": timings},
        "app": {"server_s": 2.0, "first_render_s": 6.0},
        "load": {"viewers": 5, "views": 25, "wall_s": 30.0, "server_cpu_s": 3.5, "cpu_s_per_view": 0.14,
                 "views_per_s": 0.83, "exceptions": 0},
    }  # fmt: skip
    text = report.scale_tables(result)
    assert "| 5 | 25 | 30.0 | 3.50 | 0.140 | 0.83 | 0 | <= 0.2 pass |" in text
    assert "| contacts | 1,950,000 | 0.195 | 1,950,000 | 2,000,000 ±10% | pass |" in text
    assert "| surveys | 1,300,000 | 0.130 | 1,300,000 | 1,000,000 ±10% | MISS |" in text
    assert "| 1.90 | <= 1.5x, <= 2 GB | MISS |" in text
    floor = "| floor of a text stage: stage 4.5 s + copy as text 6.0 s | 10.5 | 952,381 | 0.80 | 1.05 |"
    assert floor in text
    assert (
        "| overview | 1 | 9 / 5 | 500 | 100 | 200 | 120 | 20 | 10.0 | p95 <= 150, cold <= 1000 | MISS |"
        in text
    )
    assert "pages in other views" not in text  # a result saved before the views were timed
    fast = {**timings, "warm": [0.1] * 20, "bare": []}
    result["views"] = {"region_manager": {"overview": timings, "loyalty_tiers": fast}}
    text = report.scale_tables(result)
    assert "| region_manager | overview | 500 | 100 | 200 | p95 <= 150, cold <= 1000 | MISS |" in text
    assert "| region_manager | loyalty_tiers | 500 | 100 | 100 | p95 <= 150, cold <= 1000 | pass |" in text
    growth = report.summary_tables([{**result, "millions": 1, "ingest_s": 1.9}, result])
    assert "| ingest orders | 10.0x | pass |" in growth


def test_the_other_views_are_the_default_view_and_a_region_managers(wh):
    typical = typical_filters(wh.as_of())
    default = view_filters(wh, "every_channel_and_tier")
    manager = view_filters(wh, "region_manager")
    web = view_filters(wh, "region_manager_web")
    assert view_filters(wh, "typical") == typical
    assert (default.date_from, default.date_to) == (typical.date_from, typical.date_to)
    assert not default.channel and not default.tier and default.scope.everything
    assert manager.scope.restricted and len(manager.scope.regions) == 1 and not manager.scope.stores
    assert manager.scope.regions[0] in wh.filter_options()["region"]
    assert web == replace(manager, channel=("web",))
    assert set(VIEW_PAGES) <= set(PAGES)
    assert set(OTHER_VIEWS) == {"every_channel_and_tier", "region_manager", "region_manager_web"}
    for page in VIEW_PAGES:  # the region manager's views of each page run
        assert run_page(wh, page, manager) and run_page(wh, page, web)


def test_the_voice_pages_query_set_shows_as_many_answers_as_the_page():
    from dashboard import voc

    assert page_queries.SHOWN_MAX == voc.SHOWN_MAX
