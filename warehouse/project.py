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
        match = _CLUSTER_BY.search(self.sql)
        return [c.strip() for c in match.group(1).split(",") if c.strip()] if match else []

    @property
    def sources(self) -> list[tuple[str, str]]:
        return _SOURCE.findall(self.sql)

    def render(self, source_prefix: str = "src") -> str:
        """SQL with refs as bare table names and sources as <prefix>.<schema>.<table>."""
        sql = _REF.sub(lambda m: m.group(1), self.sql)
        prefix = f"{source_prefix}." if source_prefix else ""
        sql = _SOURCE.sub(lambda m: f"{prefix}{m.group(1)}.{m.group(2)}", sql)
        if self.cluster_by:
            sql = f"select * from (\n{sql}\n) order by {', '.join(self.cluster_by)}"
        return sql


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
    """Models in dependency order; raises on an unknown ref or source, or a cycle."""
    sources = declared_sources()
    graph: dict[str, set[str]] = {}
    for model in models.values():
        for ref in model.refs:
            if ref not in models:
                raise ValueError(f"{model.path.name}: ref('{ref}') names no model")
        for src in model.sources:
            if src not in sources:
                raise ValueError(f"{model.path.name}: source{src} is not declared in sources.toml")
        graph[model.name] = set(model.refs)
    return [models[name] for name in TopologicalSorter(graph).static_order()]
