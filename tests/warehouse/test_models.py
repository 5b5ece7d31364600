"""The SQL model project: naming, dependencies, sources declared once, and Spark-transpilable SQL."""

from __future__ import annotations

import re

import pytest
import sqlglot

from warehouse.metrics import METRICS
from warehouse.project import build_order, declared_sources, load_models

MODELS = load_models()


def test_models_follow_the_layer_naming():
    for model in MODELS.values():
        prefix = {"staging": r"stg_[a-z_]+__[a-z_]+", "core": r"(dim|fct)_[a-z_]+", "marts": r"mart_[a-z_]+"}[
            model.layer
        ]
        assert re.fullmatch(prefix, model.name), model.name


def test_staging_models_are_named_after_the_source_they_read():
    # stg_<source>__<entity>: <source> is the raw table (the ingest contract, `cx ingest --source`),
    # or `meta` for the ingest's own log tables; not a system the rows may not come from.
    for model in MODELS.values():
        if model.layer == "staging":
            [(schema, table)] = model.sources
            assert model.name.startswith(f"stg_{table if schema == 'raw' else schema}__"), model.name


def test_every_model_ends_with_select_from_final():
    for model in MODELS.values():
        assert model.sql.rstrip().endswith("select * from final"), model.name


def test_staging_reads_sources_only_and_marts_never_read_sources():
    for model in MODELS.values():
        if model.layer == "staging":
            assert model.sources and not model.refs, model.name
        else:
            assert not model.sources, model.name


def test_every_declared_source_is_used():
    used = {src for m in MODELS.values() for src in m.sources}
    assert used == set(declared_sources())


def test_build_order_puts_dependencies_first():
    order = [m.name for m in build_order(MODELS)]
    for model in MODELS.values():
        for ref in model.refs:
            assert order.index(ref) < order.index(model.name)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_transpiles_to_spark(name):
    sql = MODELS[name].render(source_prefix="")
    out = sqlglot.transpile(sql, read="duckdb", write="spark")
    assert out and "regexp_full_match" not in out[0].lower()


def test_metric_marts_exist():
    for metric in METRICS.values():
        assert metric.mart in MODELS, metric.key
