"""The SQL model project: discover the model files, resolve {{ ref() }} and {{ source() }}, and
order the models so each runs after the ones it reads (the part of dbt this project needs).

Models are plain SQL files under warehouse/models/{staging,core,marts}; one model per file, the
file name is the table name. Rendering is textual and tiny on purpose: no Jinja logic in models.
A staging model is named stg_<source>__<entity> after the source it reads in sources.toml: the raw
table (raw.orders -> stg_orders__order_lines, whatever system exported the lines), or `meta` for
the ingest's own log tables.
A header line `-- cluster_by: col, ...` stores the model's table sorted by those columns (dbt's
`cluster_by`): DuckDB keeps min/max per row group (zonemaps), so a filter on a sorted column, such
as a period on a daily mart's activity_date, skips the row groups outside it.

Every model says its grain in a header line `-- unique_key: col, ...`: the columns that identify a
row, which `cx build` checks on the built table before anything is published (unique, and not
null). A key column that legitimately holds null as a dimension value (store_id of a session,
which belongs to no store) is also listed in `-- nullable_key_columns: col, ...`: there null is one
value of the grain ("no store"), grouped like any other: two rows whose keys are equal with nulls
in the same columns are duplicates (`is not distinct from`, as group by compares). A model without
a key (an append-only log in which two rows may be alike) declares `-- unique_key: none` and says
why.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

MODELS_DIR = Path(__file__).parent / "models"
SOURCES_FILE = Path(__file__).parent / "sources.toml"
LAYERS = ("staging", "core", "marts")

_REF = re.compile(r"\{\{\s*ref\(\s*'([a-z0-9_]+)'\s*\)\s*\}\}")
_CLUSTER_BY = re.compile(r"^--\s*cluster_by:\s*([a-z0-9_, ]+?)\s*$", re.MULTILINE)
_UNIQUE_KEY = re.compile(r"^--\s*unique_key:\s*([a-z0-9_, ]+?)\s*$", re.MULTILINE)
_NULLABLE_KEY_COLUMNS = re.compile(r"^--\s*nullable_key_columns:\s*([a-z0-9_, ]+?)\s*$", re.MULTILINE)
_TIME_ZONE = re.compile(r"\{\{\s*time_zone\s*\}\}")
_SOURCE = re.compile(r"\{\{\s*source\(\s*'([a-z_]+)'\s*,\s*'([a-z0-9_]+)'\s*\)\s*\}\}")


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path
    sql: str

    @property
    def refs(self) -> list[str]:
        return _REF.findall(self.sql)

    @property
    def cluster_by(self) -> list[str]:
        return _header_columns(_CLUSTER_BY, self.sql) or []

    @property
    def unique_key(self) -> list[str] | None:
        """The declared key columns; [] for `none`; None when the model declares nothing."""
        key = _header_columns(_UNIQUE_KEY, self.sql)
        return [] if key == ["none"] else key

    @property
    def nullable_key_columns(self) -> list[str]:
        return _header_columns(_NULLABLE_KEY_COLUMNS, self.sql) or []

    def key_check_sql(self) -> str | None:
        """One row over the built table: how many hashes of the key repeat, and how many rows have a
        null in a key column that may not hold one; None for a model without a key. Repeats are
        sought on a 64-bit hash of the key (2-3x faster than grouping by the key's text columns); a
        repeated hash is then looked up on the columns themselves (duplicate_keys_sql), so a hash
        collision fails nothing. Nulls hash alike: a nullable key column's null is one value."""
        if not self.unique_key:
            return None
        key = ", ".join(self.unique_key)
        not_null = [c for c in self.unique_key if c not in self.nullable_key_columns]
        null_rows = " or ".join(f"{c} is null" for c in not_null) or "false"
        return (
            f"select (select count(*) from (select hash({key}) as key_hash from {self.name} "
            f"group by key_hash having count(*) > 1)) as count_repeated_key_hashes, "
            f"(select count(*) from {self.name} where {null_rows}) as count_null_key_rows"
        )

    def duplicate_keys_sql(self) -> str:
        """The key values that occur more than once (group by: nulls are equal), with their count."""
        key = ", ".join(self.unique_key or [])
        return f"select {key}, count(*) as count_rows from {self.name} group by {key} having count(*) > 1"

    @property
    def sources(self) -> list[tuple[str, str]]:
        """The (schema, table) sources the model reads, each once, in the order they appear."""
        return list(dict.fromkeys(_SOURCE.findall(self.sql)))

    def render(self, source_prefix: str = "src", time_zone: str = "UTC", clustered: bool = True) -> str:
        """SQL with refs as bare table names, sources as <prefix>.<schema>.<table> and
        {{ time_zone }} as the business time zone (CX_TIME_ZONE), a quoted IANA name; sorted by
        cluster_by unless `clustered` is false (the Spark engine sorts when it loads DuckDB)."""
        sql = _REF.sub(lambda m: m.group(1), self.sql)
        sql = _TIME_ZONE.sub(lambda _: "'" + time_zone.replace("'", "''") + "'", sql)
        prefix = f"{source_prefix}." if source_prefix else ""
        sql = _SOURCE.sub(lambda m: f"{prefix}{m.group(1)}.{m.group(2)}", sql)
        if clustered and self.cluster_by:
            sql = f"select * from (\n{sql}\n) order by {', '.join(self.cluster_by)}"
        return sql


def _header_columns(pattern: re.Pattern, sql: str) -> list[str] | None:
    match = pattern.search(sql)
    return [c.strip() for c in match.group(1).split(",") if c.strip()] if match else None


def declared_sources() -> dict[tuple[str, str], str]:
    data = tomllib.loads(SOURCES_FILE.read_text())
    return {
        (schema, table): spec.get("description", "")
        for schema, tables in data.items()
        for table, spec in tables.items()
    }


def load_models(models_dir: Path = MODELS_DIR) -> dict[str, Model]:
    models: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((models_dir / layer).glob("*.sql")):
            models[path.stem] = Model(path.stem, layer, path, path.read_text())
    return models


def build_order(models: dict[str, Model]) -> list[Model]:
    """Models in dependency order; raises on an unknown ref or source, a model that does not
    declare its unique key, or a cycle."""
    sources = declared_sources()
    graph: dict[str, set[str]] = {}
    for model in models.values():
        if model.unique_key is None:
            raise ValueError(f"{model.path.name}: no `-- unique_key:` header (columns, or none)")
        if not set(model.nullable_key_columns) <= set(model.unique_key):
            raise ValueError(f"{model.path.name}: a nullable_key_columns column is not in its unique_key")
        for ref in model.refs:
            if ref not in models:
                raise ValueError(f"{model.path.name}: ref('{ref}') names no model")
        for src in model.sources:
            if src not in sources:
                raise ValueError(f"{model.path.name}: source{src} is not declared in sources.toml")
        graph[model.name] = set(model.refs)
    return [models[name] for name in TopologicalSorter(graph).static_order()]
