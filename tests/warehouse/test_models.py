"""The SQL model project: naming, dependencies, sources declared once, and Spark-transpilable SQL."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import sqlglot

from ingest.contracts import CONTRACTS
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


# Append-only logs: a file named twice in one run is logged twice; a survey response row answering
# several questions can break one rule on one column once per answer.
KEYLESS = {"stg_meta__file_loads", "stg_meta__quarantine"}


def test_every_model_declares_its_unique_key():
    for model in MODELS.values():
        assert model.unique_key is not None, model.name
        assert bool(model.unique_key) == (model.name not in KEYLESS), model.name
        assert set(model.nullable_key_columns) <= set(model.unique_key), model.name
        assert len(set(model.unique_key)) == len(model.unique_key), model.name


def test_build_order_refuses_a_model_without_a_declared_key():
    models = dict(MODELS)
    stores = models["dim_stores"]
    models["dim_stores"] = replace(stores, sql=stores.sql.replace("-- unique_key: store_id\n", ""))
    with pytest.raises(ValueError, match="dim_stores.sql: no `-- unique_key:` header"):
        build_order(models)


def _edited(name: str, *edits: tuple[str, str]) -> dict:
    """MODELS with model `name`'s SQL edited (each `old` must occur in it)."""
    sql = MODELS[name].sql
    for old, new in edits:
        assert old in sql
        sql = sql.replace(old, new)
    return {**MODELS, name: replace(MODELS[name], sql=sql)}


NO_SLID = [
    ("{{ slid('period_ends.period_end_date', 'purchases.customer_key') }}", "true"),
    ("{{ slid('period_ends.period_end_date', 'held_spells.customer_key') }}", "true"),
]
NO_SLIDES = [("-- slides: period_end_date by customer_key\n", "")]
ALSO_PARTITIONED = [
    (
        "-- slides: period_end_date by customer_key\n",
        "-- slides: period_end_date by customer_key\n-- incremental: period_end_date\n",
    )
]


@pytest.mark.parametrize(
    ("name", "edits", "message"),
    [
        # a sliding model that does not say which rows slid() chooses, and slid() without the header
        (
            "mart_customer_periods",
            NO_SLID,
            "mart_customer_periods.sql: a sliding model declares `-- slides:`",
        ),
        (
            "mart_customer_periods",
            NO_SLIDES,
            "mart_customer_periods.sql: a sliding model declares `-- slides:`",
        ),
        (
            "mart_customer_periods",
            ALSO_PARTITIONED,
            "mart_customer_periods.sql: a model slides or is incremental by partitions, not both",
        ),
        # a model summing another it does not read, or one that does not slide
        (
            "mart_customer_period_places",
            [("-- slides_by_sums: mart_customer_periods", "-- slides_by_sums: mart_customer_daily")],
            "mart_customer_period_places.sql: a model that slides by sums reads only the model it sums",
        ),
        (
            "mart_customer_periods",
            NO_SLIDES + NO_SLID,
            "mart_customer_period_places.sql: slides_by_sums names mart_customer_periods, which does not",
        ),
        (
            "mart_customer_tiers",
            [("-- dense_key_from: mart_customer_daily", "-- dense_key_from: fct_orders")],
            "mart_customer_tiers.sql: dense_key_from names fct_orders, which it does not read",
        ),
    ],
)
def test_build_order_refuses_inconsistent_sliding_and_dense_key_headers(name, edits, message):
    assert build_order(MODELS)  # the models as they are pass
    with pytest.raises(ValueError, match=re.escape(message)):
        build_order(_edited(name, *edits))


def test_staging_keys_are_the_contract_keys():
    # The key of a raw table is declared once, in its ingest contract (whose duplicates ingest
    # quarantines); a staging model's unique_key is that key under the model's column names.
    for model in MODELS.values():
        if model.layer != "staging" or model.sources[0][0] != "raw":
            continue
        renamed = {
            alias: column for column, alias in re.findall(r"^\s+([a-z_]+) as ([a-z_]+),?$", model.sql, re.M)
        }
        source_key = tuple(renamed.get(c, c) for c in model.unique_key)
        assert source_key == CONTRACTS[model.sources[0][1]].key, model.name


def test_key_check_sql_treats_null_as_a_value_only_in_nullable_key_columns():
    sessions = MODELS["mart_daily_sessions"]
    sql = sessions.key_check_sql()
    assert "hash(activity_date, channel, store_id, region, tier, segment, traffic_source)" in sql
    assert "activity_date is null or channel is null or region is null" in sql
    assert "store_id is null" not in sql
    assert MODELS["stg_meta__quarantine"].key_check_sql() is None
