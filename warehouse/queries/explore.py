"""The analyst's explorer: which marts, columns and metrics may be explored, and the bounded
group-by query over them (column names checked against the mart, filter values bound)."""

from __future__ import annotations

import polars as pl

from warehouse.filters import Filters, where_clause
from warehouse.metrics import METRICS
from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant

EXPLORABLE_MARTS = (
    "mart_daily_orders",
    "mart_daily_contacts",
    "mart_daily_surveys",
    "mart_daily_sessions",
    "mart_journey_funnel",
    "mart_friction_events",
)
EXPLORE_ROW_LIMIT = 100_000


class RowLimitExceeded(Exception):
    pass


class ExploreQueries(BaseWarehouse):
    @snapshot_constant
    def explorable(self) -> dict[str, dict[str, list[str]]]:
        """Marts an analyst can explore: their group-by columns and additive measures."""
        frame = self.run(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_name in ($marts) order by table_name, ordinal_position".replace(
                "in ($marts)", "in (" + ", ".join(f"'{m}'" for m in EXPLORABLE_MARTS) + ")"
            )
        ).frame
        out: dict[str, dict[str, list[str]]] = {}
        for mart in EXPLORABLE_MARTS:
            cols = frame.filter(pl.col("table_name") == mart)
            numeric = cols.filter(pl.col("data_type").str.contains("INT|DOUBLE|DECIMAL|FLOAT|HUGEINT"))
            names = cols["column_name"].to_list()
            measures = [c for c in numeric["column_name"].to_list() if c not in ("step_order",)]
            metrics = [k for k, m in METRICS.items() if m.mart == mart and m.kind == "additive"]
            out[mart] = {
                "groups": [c for c in names if c not in measures],
                "measures": measures,
                "metrics": metrics,
            }
        return out

    def explore(
        self,
        mart: str,
        group_by: list[str],
        measures: list[str],
        filters: Filters,
        limit: int = EXPLORE_ROW_LIMIT,
    ) -> Result:
        """Sum of measures (and metric values) by the chosen columns within the filters. Column
        names are checked against the mart's own columns; filter values are bound."""
        spec = self.explorable().get(mart)
        if spec is None:
            raise ValueError(f"{mart!r} is not an explorable mart; choose from {list(EXPLORABLE_MARTS)}")
        bad = [c for c in group_by if c not in spec["groups"]] + [
            m for m in measures if m not in spec["measures"] and m not in spec["metrics"]
        ]
        if bad:
            raise ValueError(f"{mart} has no column or metric {', '.join(map(repr, bad))}")
        f = self.resolve(filters)
        where, params = where_clause(f, mart=mart)
        select = list(group_by)
        for m in measures:
            if m in spec["metrics"]:
                select.append(f"{METRICS[m].value} as {m}")
            else:
                select.append(f"sum({m}) as {m}")
        if not select:
            select = ["count(*) as count_rows"]
        params["row_limit"] = int(limit) + 1
        positions = ", ".join(str(i + 1) for i in range(len(group_by)))
        sql = f"select {', '.join(select)}\nfrom {mart}\nwhere {where}"
        if group_by:
            sql += f"\ngroup by {positions}\norder by {positions}"
        sql += "\nlimit $row_limit"
        result = self.run(sql, params)
        if result.frame.height > limit:
            raise RowLimitExceeded(f"more than {limit:,} rows: group by fewer columns or narrow the filters")
        return result
