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

A big model may be built incrementally (warehouse/incremental.py): `-- incremental: col` names its
partition column (one of its unique_key), `-- incremental_changes: input.col, input.col via mycol`
says how a change of an input becomes changed partitions (an input's changed rows' `col` values are
partition values; with `via mycol`, the partitions of this model's rows whose `mycol` is among
them), and `{{ changed('expr') }}` in the SQL filters an input to the changed partitions (`true` in
a full build). An input that changed but is not listed makes the model rebuild in full.
`-- incremental_also: condition` adds the partitions of the model's previous rows that meet it
(rows that depend on the data as a whole, such as a flag relative to its latest day; {{ this }} is
the model's table), and `-- incremental_closure: col, ...` takes along every row sharing a value
of those columns with a rebuilt one (a window over a customer's rows needs all of them).
`-- dense_key: key by col` says that `key` numbers the distinct values of `col` densely over the
whole table (dense_rank), in their order or, with `-- dense_key: key by col ordered_by aggregate`,
in the order of an aggregate over each value's rows, then of the value (`ordered_by
min(activity_date)`: a customer first seen on the latest day is numbered after everyone else, so a
day's new customers leave the others' keys as they were). An incremental build numbers its new rows
again over the whole table, and says whether older rows were renumbered; a model rebuilt in full
is compared with its previous rows without the key (a renumbering says nothing new of a row). A
model that keeps another's dense key in its rows says so, `-- dense_key_from: model, ...`: when
that model's older rows were renumbered, it is rebuilt in full instead of incrementally.

`-- slides: end_col by key_col` marks a model whose rows are figures of each `key_col` (a
customer) as of each `end_col` (a period end) that a day's build moves: warehouse/sliding.py keeps
the rows of the keys a move did not touch and computes the others', which
`{{ slid('end_expr', 'key_expr') }}` in the SQL chooses (`true` in a full build).
`-- slides_by_sums: model` marks a model whose every figure is a sum over the customers of such a
sliding model's rows per period end: it slides with that model, adding the sums of the rows
computed again and subtracting those of their previous rows.

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
_INCREMENTAL = re.compile(r"^--\s*incremental:\s*([a-z0-9_]+)\s*$", re.MULTILINE)
# one line, or continued on the next lines indented by at least three spaces after the `--`
_INCREMENTAL_CHANGES = re.compile(
    r"^--\s*incremental_changes:\s*([a-z0-9_., ]+?(?:\n--\s{3,}[a-z0-9_., ]+?)*)\s*$", re.MULTILINE
)
_INCREMENTAL_ALSO = re.compile(r"^--\s*incremental_also:\s*(.+?)\s*$", re.MULTILINE)
_INCREMENTAL_CLOSURE = re.compile(r"^--\s*incremental_closure:\s*([a-z0-9_, ]+?)\s*$", re.MULTILINE)
_THIS = re.compile(r"\{\{\s*this\s*\}\}")
_DENSE_KEY = re.compile(
    r"^--\s*dense_key:\s*([a-z0-9_]+)\s+by\s+([a-z0-9_]+)(?:\s+ordered_by\s+(.+?))?\s*$", re.MULTILINE
)
_CHANGED = re.compile(r"\{\{\s*changed\(\s*'([^']+)'\s*\)\s*\}\}")
_DENSE_KEY_FROM = re.compile(r"^--\s*dense_key_from:\s*([a-z0-9_, ]+?)\s*$", re.MULTILINE)
_SLIDES_BY_SUMS = re.compile(r"^--\s*slides_by_sums:\s*([a-z0-9_]+)\s*$", re.MULTILINE)
_SLIDES = re.compile(r"^--\s*slides:\s*([a-z0-9_]+)\s+by\s+([a-z0-9_]+)\s*$", re.MULTILINE)
_SLID = re.compile(r"\{\{\s*slid\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\)\s*\}\}")
# the (end, key) pairs whose rows a sliding build computes (warehouse/sliding.py)
SLID_TABLE = "_slid_keys"
# the table holding an incremental model's changed partition values while it builds
CHANGED_TABLE = "_changed_partitions"
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
    def partition_column(self) -> str | None:
        """The partition column of an incremental model; None for a model always built in full."""
        match = _INCREMENTAL.search(self.sql)
        return match.group(1) if match else None

    @property
    def incremental_changes(self) -> list[tuple[str, str, str | None]]:
        """(input, its column, this model's column or None for the partition column itself)."""
        found = []
        for match in _INCREMENTAL_CHANGES.finditer(self.sql):
            for item in re.sub(r"\n--", " ", match.group(1)).split(","):
                words = item.split()
                if not words:
                    continue
                if len(words) not in (1, 3) or (len(words) == 3 and words[1] != "via"):
                    raise ValueError(f"{self.path.name}: incremental_changes item {item.strip()!r}")
                name, _, column = words[0].rpartition(".")
                found.append((name, column, words[2] if len(words) == 3 else None))
        return found

    @property
    def incremental_also(self) -> str | None:
        """A condition on the model's previous rows whose partitions are rebuilt whenever the model
        is ({{ this }} is the model's table): rows that depend on the data as a whole."""
        match = _INCREMENTAL_ALSO.search(self.sql)
        return _THIS.sub(self.name, match.group(1)) if match else None

    @property
    def incremental_closure(self) -> list[str]:
        """Columns over which a rebuilt partition takes along every row sharing its value (a
        window over a customer's rows needs all of them)."""
        return _header_columns(_INCREMENTAL_CLOSURE, self.sql) or []

    @property
    def dense_key(self) -> tuple[str, str] | None:
        """(key column, the column whose distinct values it numbers) or None."""
        match = _DENSE_KEY.search(self.sql)
        return (match.group(1), match.group(2)) if match else None

    @property
    def dense_key_order(self) -> str | None:
        """The aggregate over a value's rows that orders the dense key before the value, or None."""
        match = _DENSE_KEY.search(self.sql)
        return match.group(3) if match else None

    @property
    def dense_key_from(self) -> list[str]:
        """The models whose dense key this model keeps in its rows (rebuilt in full when renumbered)."""
        return _header_columns(_DENSE_KEY_FROM, self.sql) or []

    @property
    def slides(self) -> tuple[str, str] | None:
        """(period end column, key column) of a model a day's build slides, or None."""
        match = _SLIDES.search(self.sql)
        return (match.group(1), match.group(2)) if match else None

    @property
    def slides_by_sums(self) -> str | None:
        """The sliding model whose rows this model sums per period end, or None."""
        match = _SLIDES_BY_SUMS.search(self.sql)
        return match.group(1) if match else None

    @property
    def inputs(self) -> list[str]:
        """The models and sources (`schema.table`) the model reads."""
        return list(dict.fromkeys([*self.refs, *(f"{s}.{t}" for s, t in self.sources)]))

    @property
    def nullable_key_columns(self) -> list[str]:
        return _header_columns(_NULLABLE_KEY_COLUMNS, self.sql) or []

    def key_check_sql(self, table: str | None = None) -> str | None:
        """One row over the built table: how many hashes of the key repeat, and how many rows have a
        null in a key column that may not hold one; None for a model without a key. Repeats are
        sought on a 64-bit hash of the key (2-3x faster than grouping by the key's text columns); a
        repeated hash is then looked up on the columns themselves (duplicate_keys_sql), so a hash
        collision fails nothing. Nulls hash alike: a nullable key column's null is one value.
        `table`: check those rows instead of the model's table (an incremental build's new rows)."""
        if not self.unique_key:
            return None
        table = table or self.name
        key = ", ".join(self.unique_key)
        not_null = [c for c in self.unique_key if c not in self.nullable_key_columns]
        null_rows = " or ".join(f"{c} is null" for c in not_null) or "false"
        return (
            f"select (select count(*) from (select hash({key}) as key_hash from {table} "
            f"group by key_hash having count(*) > 1)) as count_repeated_key_hashes, "
            f"(select count(*) from {table} where {null_rows}) as count_null_key_rows"
        )

    def duplicate_keys_sql(self, table: str | None = None) -> str:
        """The key values that occur more than once (group by: nulls are equal), with their count."""
        key = ", ".join(self.unique_key or [])
        rows = table or self.name
        return f"select {key}, count(*) as count_rows from {rows} group by {key} having count(*) > 1"

    @property
    def sources(self) -> list[tuple[str, str]]:
        """The (schema, table) sources the model reads, each once, in the order they appear."""
        return list(dict.fromkeys(_SOURCE.findall(self.sql)))

    def render(
        self,
        source_prefix: str = "src",
        time_zone: str = "UTC",
        clustered: bool = True,
        incremental: bool = False,
        slid: bool = False,
        refs: dict[str, str] | None = None,
    ) -> str:
        """SQL with refs as bare table names, sources as <prefix>.<schema>.<table> and
        {{ time_zone }} as the business time zone (CX_TIME_ZONE), a quoted IANA name; sorted by
        cluster_by unless `clustered` is false (the Spark engine sorts when it loads DuckDB).
        {{ changed('expr') }} is `true`, or with `incremental` a test of `expr` against the changed
        partitions. {{ slid('end', 'key') }} is `true`, or with `slid` a test of the pair against
        the pairs a sliding build computes (the key alone first: a join's input is then cut to
        those keys before the pairs are matched). `refs` reads other tables for some refs (the rows
        a sliding build computed again)."""

        def picked(m: re.Match) -> str:
            if not slid:
                return "true"
            end, key = self.slides
            return (
                f"({m.group(2)}) in (select {key} from {SLID_TABLE}) and "
                f"({m.group(1)}, {m.group(2)}) in (select ({end}, {key}) from {SLID_TABLE})"
            )

        sql = _SLID.sub(picked, self.sql)
        changed = (
            (lambda m: f"({m.group(1)}) in (select value from {CHANGED_TABLE})")
            if incremental
            else (lambda _: "true")
        )
        sql = _CHANGED.sub(changed, sql)
        sql = _REF.sub(lambda m: (refs or {}).get(m.group(1), m.group(1)), sql)
        sql = _TIME_ZONE.sub(lambda _: "'" + time_zone.replace("'", "''") + "'", sql)
        prefix = f"{source_prefix}." if source_prefix else ""
        sql = _SOURCE.sub(lambda m: f"{prefix}{m.group(1)}.{m.group(2)}", sql)
        if clustered and self.cluster_by:
            sql = f"select * from (\n{sql}\n) order by {', '.join(self.cluster_by)}"
        return sql


def _header_columns(pattern: re.Pattern, sql: str) -> list[str] | None:
    match = pattern.search(sql)
    return [c.strip() for c in match.group(1).split(",") if c.strip()] if match else None


def _check_incremental(model: Model) -> None:
    """An incremental model's declarations are consistent: its partition column is in its key (so a
    key repeats only inside a partition), what it lists are its inputs, and it filters with
    {{ changed() }}; a model built only in full declares none of it."""
    if bool(model.slides) != bool(_SLID.search(model.sql)):
        raise ValueError(
            f"{model.path.name}: a sliding model declares `-- slides:` and uses slid(), or neither"
        )
    if model.slides_by_sums and model.refs != [model.slides_by_sums]:
        raise ValueError(f"{model.path.name}: a model that slides by sums reads only the model it sums")
    if model.slides and model.partition_column:
        raise ValueError(f"{model.path.name}: a model slides or is incremental by partitions, not both")
    for name in model.dense_key_from:
        if name not in model.refs:
            raise ValueError(f"{model.path.name}: dense_key_from names {name}, which it does not read")
    column = model.partition_column
    uses_changed = bool(_CHANGED.search(model.sql))
    if column is None:
        if model.incremental_changes or uses_changed or model.incremental_also or model.incremental_closure:
            raise ValueError(f"{model.path.name}: incremental_* or changed() without `-- incremental:`")
        return
    if column not in (model.unique_key or []):
        raise ValueError(
            f"{model.path.name}: its incremental partition column {column} is not in its unique_key"
        )
    if not model.incremental_changes or not uses_changed:
        raise ValueError(
            f"{model.path.name}: an incremental model lists incremental_changes and uses changed()"
        )
    for name, _, _ in model.incremental_changes:
        if name not in model.inputs:
            raise ValueError(f"{model.path.name}: incremental_changes names {name}, which it does not read")


def declared_sources() -> dict[tuple[str, str], str]:
    return {key: spec.get("description", "") for key, spec in declared_source_specs().items()}


def declared_source_specs() -> dict[tuple[str, str], dict]:
    """Each source's declaration in sources.toml: description, and `mutable_columns` (the columns
    rewritten in place after loading, which an incremental build checksums)."""
    data = tomllib.loads(SOURCES_FILE.read_text())
    return {(schema, table): spec for schema, tables in data.items() for table, spec in tables.items()}


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
        _check_incremental(model)
        graph[model.name] = set(model.refs)
    for model in models.values():  # once each model's own headers are known to agree
        if model.slides_by_sums and not models[model.slides_by_sums].slides:
            raise ValueError(
                f"{model.path.name}: slides_by_sums names {model.slides_by_sums}, which does not slide"
            )
    return [models[name] for name in TopologicalSorter(graph).static_order()]
