"""The data quality page's queries: freshness per source, ingest runs, file loads, quarantined rows by
rule and the rows themselves. All but the quarantine browser are snapshot constants."""

from __future__ import annotations

from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant
from warehouse.scope import EVERYTHING, Scope

# Quarantine rules that are exclusions by design, not errors in the data: rows a profile declares
# not a fact (a postage line, an internal ticket), rows of people erased on request (cx forget).
EXPECTED_EXCLUSIONS = ("not_a_fact", "erased")


class DataQualityQueries(BaseWarehouse):
    @snapshot_constant
    def freshness(self) -> Result:
        """Per activity source its latest day and rows, the last ingest and the rows quarantined."""
        return self.run(
            "select source_name, latest_date, count_rows, last_ingest_at, count_quarantined_rows "
            "from mart_freshness order by source_order"
        )

    @snapshot_constant
    def ingest_runs(self) -> Result:
        return self.run("select * from stg_meta__ingest_runs order by started_at desc")

    @snapshot_constant
    def file_loads(self) -> Result:
        return self.run("select * from stg_meta__file_loads order by loaded_at desc, file_name")

    @snapshot_constant
    def quality_by_rule(self) -> Result:
        """Rows per rule; `kind` tells expected exclusions (rule not_a_fact: a postage line, an
        internal ticket; rule erased: a row of a person erased on request) from errors in the data."""
        return self.run(
            "select source_name, rule_name, column_name, sum(count_rows) as count_rows, "
            "arg_max(example_value, count_rows) as example_value, "
            "case when list_contains($expected, rule_name) then 'expected exclusion' else 'error' end "
            "as kind "
            "from mart_data_quality group by 1, 2, 3 order by 4 desc",
            {"expected": list(EXPECTED_EXCLUSIONS)},
        )

    @snapshot_constant
    def data_kept(self) -> Result:
        """Per kind of data the retention policy governs, the oldest kept and its rows."""
        return self.run(
            "select data_kind, oldest_at, count_rows from mart_data_retention order by kind_order"
        )

    def quarantined_rows(
        self, source: str | None = None, rule: str | None = None, limit: int = 1000, scope: Scope = EVERYTHING
    ) -> Result:
        """The quarantined rows themselves. They belong to no region or store (a bad row may lack
        the very column that would say), so a scoped viewer gets none."""
        conditions, params = ["true"], {"limit": int(limit)}
        if scope.restricted:
            conditions.append("false")
        if source:
            conditions.append("source_name = $source")
            params["source"] = source
        if rule:
            conditions.append("rule_name = $rule")
            params["rule"] = rule
        return self.run(
            "select file_name, file_row_number, source_name, rule_name, column_name, offending_value, "
            f"message from stg_meta__quarantine where {' and '.join(conditions)} "
            f"order by file_name, file_row_number limit $limit",
            params,
        )
