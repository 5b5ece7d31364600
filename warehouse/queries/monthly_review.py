"""The monthly review's query: every metric for one calendar month against the month before and
the same month a year before, with significance and breaches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from warehouse.filters import Filters, minus_year, month_end
from warehouse.metrics import METRICS, significant
from warehouse.queries.base import BaseWarehouse, Result


class MonthlyReviewQueries(BaseWarehouse):
    def month_scorecard(self, month: date, filters: Filters | None = None) -> Result:
        """Every metric for one calendar month, against the previous calendar month (MoM) and
        the same month a year before (YoY), each change with its significance; is_breach = past
        the alert threshold. The dimension filters apply; their period is replaced by the month."""
        base = filters or Filters()
        start = month.replace(day=1)
        end = month_end(start)
        prev_start = month_end(start - timedelta(days=1)).replace(day=1)
        year_start = minus_year(start)
        periods = {
            "month": replace(base, date_from=start, date_to=end, compare="none"),
            "previous_month": replace(
                base, date_from=prev_start, date_to=start - timedelta(days=1), compare="none"
            ),
            "year_ago": replace(base, date_from=year_start, date_to=month_end(year_start), compare="none"),
        }
        results = self.scorecards(periods)
        rows = []
        for now, prev, year in zip(*(r.frame.iter_rows(named=True) for r in results.values()), strict=True):
            m = METRICS[now["metric"]]
            row = {
                k: now[k]
                for k in (
                    "metric",
                    "label",
                    "unit",
                    "direction",
                    "value",
                    "n",
                    "margin",
                    "target",
                    "alert",
                    "status",
                    "reason",
                    "is_small_sample",
                    "definition",
                )
            }
            for name, other in (("mom", prev), ("yoy", year)):
                change = now["value"] - other["value"] if None not in (now["value"], other["value"]) else None
                row[f"{name}_value"] = other["value"]
                row[f"{name}_change"] = change
                row[f"{name}_significant"] = significant(m, now["margin"], other["margin"], change)
            row["is_breach"] = now["status"] == "alert"
            rows.append(row)
        params = {name: f.describe() for name, f in periods.items()}
        return Result(pl.DataFrame(rows, infer_schema_length=None), results["month"].sql, params)

    def month_emerging_themes(self, month: date, filters: Filters | None = None) -> Result:
        """The comment themes that emerged in one calendar month against the month before
        (voice_emerging_themes: growth beyond noise), for the review's 'what moved'."""
        base = filters or Filters()
        start = month.replace(day=1)
        prev_start = month_end(start - timedelta(days=1)).replace(day=1)
        now = replace(base, date_from=start, date_to=month_end(start), compare="none")
        before = replace(base, date_from=prev_start, date_to=start - timedelta(days=1), compare="none")
        return self.voice_emerging_themes(now, before)
