"""Scorecard values for several periods at once, with as few queries as the marts allow.

A scorecard needs every metric for its period and the comparison period; the monthly review needs
the month, the month before and the same month a year ago. Each metric query costs mostly its
planning (the metric expressions of metrics.toml are long), not its scan of a small mart, so:
- the additive metrics of one mart are computed for all periods in one query grouped by period
  (when the periods share their dimension filters and do not overlap; else one query a period);
  churn and CLV take one query a period, each reading only its own 12 months (since a purchase in
  any channel ends churn, one scan over all the periods' spans with a FILTER per period was
  slower than the separate queries: 0.67 s against 0.36 s for the monthly review's three at 10M
  lines on a busy machine);
- a mart's query always computes all of its metrics, and its values per period are kept in a
  small LRU cache on the Warehouse (a snapshot never changes), so the friction costs' AOV and CLV
  and the roadmap's KPIs reuse what the scorecard of the same view computed;
- the queries still to run are planned first, then run two at a time (Warehouse.run_all), as each
  spends about a third of its time planning on one core.
The expressions are metrics.toml's, summed over the same rows: the numbers are those of one
query per period (tests/warehouse/test_query_speedups.py).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from warehouse.filters import Filters, where_clause
from warehouse.metrics import (
    METRICS,
    Metric,
    additive_sql,
    margin_select,
)
from warehouse.rollups import mart_source

CACHE_ENTRIES = 512

Values = dict[str, tuple]  # metric key -> (value, n, margin)


def period_key(f: Filters) -> tuple:
    return (f.date_from, f.date_to, f.channel, f.region, f.store, f.tier, f.segment, f.scope)


def marts_of(keys: list[str] | None) -> dict[tuple[str, str], list[Metric]]:
    """(kind, mart) -> every metric of that mart (not only the keys asked for: a mart's query
    computes them all, so its cached values serve any later question)."""
    wanted = {(METRICS[k].kind, METRICS[k].mart) for k in (keys or METRICS)}
    out: dict[tuple[str, str], list[Metric]] = {}
    for m in METRICS.values():
        if (m.kind, m.mart) in wanted:
            out.setdefault((m.kind, m.mart), []).append(m)
    return out


def combinable(periods: list[Filters]) -> bool:
    """One grouped query serves the periods when their dimension filters agree and their dates
    do not overlap (a row then belongs to one period only)."""
    if len(periods) < 2:
        return False
    dims = {period_key(f)[2:] for f in periods}
    spans = sorted((f.date_from, f.date_to) for f in periods)
    return len(dims) == 1 and all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))


def additive_periods_sql(
    mart: str,
    metrics: list[Metric],
    periods: list[Filters],
    presets: frozenset[tuple[date, date]] = frozenset(),
) -> tuple[str, dict]:
    """One query: the metrics of `mart` for each period, grouped by the period's position (a
    preset period from the mart's preset roll-up, whole months from its monthly roll-up:
    warehouse/rollups.py; `presets` as there)."""
    where, params = where_clause(periods[0], with_dates=False, mart=mart)
    cases, ranges = [], []
    for i, f in enumerate(periods):
        params[f"p{i}_from"], params[f"p{i}_to"] = f.date_from, f.date_to
        cases.append(f"when activity_date between $p{i}_from and $p{i}_to then {i}")
        ranges.append(f"activity_date between $p{i}_from and $p{i}_to")
    # The span first: a plain range the scan can check against each row group's min/max.
    params["span_from"] = min(f.date_from for f in periods)
    params["span_to"] = max(f.date_to for f in periods)
    source, source_params = mart_source(mart, [(f.date_from, f.date_to) for f in periods], (), presets)
    params.update(source_params)
    select = [f"case {' '.join(cases)} end as period_index", *margin_select(metrics)]
    sql = (
        "select\n    " + ",\n    ".join(select) + f"\nfrom {source}\n"
        f"where activity_date between $span_from and $span_to\n    and ({' or '.join(ranges)})\n"
        f"    and {where}\ngroup by 1"
    )
    return sql, params


@dataclass
class Entry:
    values: Values
    sql: str


class PeriodValues:
    """The LRU of (kind, mart, period) -> values, and the queries that fill it."""

    def __init__(self, wh):
        self.wh = wh
        self.cache: OrderedDict[tuple, Entry] = OrderedDict()

    def clear(self) -> None:
        with self.wh._lock:
            self.cache.clear()

    def get(self, periods: dict[str, Filters], keys: list[str] | None) -> tuple[dict[str, Values], list[str]]:
        """Values of each period (resolved Filters) by metric key, and the SQL that produced them.
        The queries of the values not cached yet run at once (Warehouse.run_all)."""
        out: dict[str, Values] = {name: {} for name in periods}
        sqls: list[str] = []
        planned: list[tuple[str, str, list[Metric], dict[str, Filters], str, dict]] = []
        for (kind, mart), metrics in marts_of(keys).items():
            missing = {}
            for name, f in periods.items():
                entry = self._lookup((kind, mart, period_key(f)))
                if entry is None:
                    missing[name] = f
                else:
                    out[name].update(entry.values)
                    sqls.append(entry.sql)
            planned += self._plan(kind, mart, metrics, missing)
        results = self.wh.run_all([(sql, params) for *_, sql, params in planned])
        for (kind, mart, metrics, names, _, _), result in zip(planned, results, strict=True):
            for name, entry in self._entries(metrics, names, result).items():
                out[name].update(entry.values)
                sqls.append(entry.sql)
                self._store((kind, mart, period_key(names[name])), entry)
        return out, list(dict.fromkeys(sqls))

    def _lookup(self, key: tuple) -> Entry | None:
        with self.wh._lock:
            entry = self.cache.get(key)
            if entry is not None:
                self.cache.move_to_end(key)
            return entry

    def _store(self, key: tuple, entry: Entry) -> None:
        with self.wh._lock:
            self.cache[key] = entry
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)

    def _plan(self, kind: str, mart: str, metrics: list[Metric], periods: dict[str, Filters]):
        """The queries computing `periods` of one mart: one for all of them when they combine, else
        one a period; each as (kind, mart, metrics, {name: Filters} it answers, sql, params)."""
        if not periods:
            return []
        if kind == "additive" and combinable(list(periods.values())):
            sql, params = additive_periods_sql(mart, metrics, list(periods.values()), self.wh.preset_spans())
            return [(kind, mart, metrics, dict(periods), sql, params)]
        planned = []
        for name, f in periods.items():
            if kind == "customer_window":
                sql, params = self.wh.customer_window_sql(metrics, f)
            else:
                sql, params = additive_sql(mart, metrics, f, (), self.wh.preset_spans())
            planned.append((kind, mart, metrics, {name: f}, sql, params))
        return planned

    def _entries(self, metrics: list[Metric], names: dict[str, Filters], result) -> dict[str, Entry]:
        """Each period's values from the result of its query (grouped by period_index when the
        query answered several)."""
        if len(names) > 1:
            by_index = {row["period_index"]: row for row in result.frame.iter_rows(named=True)}
            rows = [by_index.get(i) for i in range(len(names))]
        else:
            rows = [result.frame.row(0, named=True) if result.frame.height else None]
        pairs = zip(names, rows, strict=True)
        return {name: Entry(row_values(row, metrics), result.sql) for name, row in pairs}


def row_values(row: dict | None, metrics: list[Metric]) -> Values:
    """value, n, margin of each metric from a result row (a period without rows: all None)."""
    out: Values = {}
    for m in metrics:
        if row is None:
            out[m.key] = (None, None, None)
            continue
        out[m.key] = (
            _num(row.get(f"{m.key}__value")),
            _num(row.get(f"{m.key}__n")),
            _num(row.get(f"{m.key}__margin")),
        )
    return out


def _num(v):
    if v is None:
        return None
    v = float(v)
    return None if v != v else v  # NaN -> None
