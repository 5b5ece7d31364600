"""The roadmap's queries: initiatives with their KPI measured from the data, check-ins, status
counts and the status changes a monthly review reports."""

from __future__ import annotations

from datetime import date

import polars as pl

from warehouse.filters import Filters
from warehouse.metrics import METRICS
from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant
from warehouse.scope import EVERYTHING, Scope


class RoadmapQueries(BaseWarehouse):
    def roadmap(self, filters: Filters | None = None) -> Result:
        """Initiatives with their KPI: baseline, target, value measured over the last 30 days of
        data, and progress = share of the way from baseline to target the data has moved. The
        filters do not apply (the KPIs are the business's), except the viewer's scope: a region
        manager's KPIs are measured on their region's rows. The whole business's is memoised."""
        scope = filters.scope if filters else EVERYTHING
        return self._roadmap() if scope.everything else self._roadmap_measured(scope)

    @snapshot_constant
    def _roadmap(self) -> Result:
        return self._roadmap_measured(EVERYTHING)

    def _roadmap_measured(self, scope: Scope) -> Result:
        initiatives = self.run("select * from mart_roadmap_initiatives order by start_day, initiative_id")
        frame = initiatives.frame
        if frame.height == 0:
            return initiatives
        as_of = self.as_of()
        window = (
            Filters(
                date_to=as_of,
                date_from=as_of.fromordinal(as_of.toordinal() - 29),
                compare="none",
                scope=scope,
            )
            if as_of
            else Filters(scope=scope)
        )
        kpis = [k for k in frame["kpi_metric"].drop_nulls().unique().to_list() if k in METRICS]
        measured = self.metrics(window, kpis).frame if kpis else pl.DataFrame({"metric": [], "value": []})
        lookup = dict(zip(measured["metric"].to_list(), measured["value"].to_list(), strict=True))
        programme_start = frame["programme_start_date"][0]
        today_day = (as_of - programme_start).days + 1 if as_of and programme_start else None
        frame = frame.with_columns(
            pl.col("kpi_metric")
            .replace_strict(lookup, default=None, return_dtype=pl.Float64)
            .alias("kpi_measured"),
            pl.col("kpi_metric")
            .replace_strict({k: m.label for k, m in METRICS.items()}, default=None, return_dtype=pl.Utf8)
            .alias("kpi_label"),
            pl.lit(today_day).alias("today_day"),
            pl.lit(as_of).alias("as_of_date"),
        ).with_columns(
            (
                100.0
                * (pl.col("kpi_measured") - pl.col("kpi_baseline"))
                / (pl.col("kpi_target") - pl.col("kpi_baseline"))
            ).alias("kpi_progress_pct")
        )
        return Result(frame, initiatives.sql, {"measured_over": f"{window.date_from} to {window.date_to}"})

    @snapshot_constant
    def roadmap_checkins(self) -> Result:
        return self.run("select * from stg_roadmap_checkins__checkins order by initiative_id, checkin_date")

    @snapshot_constant
    def roadmap_health(self) -> Result:
        """Initiatives by status (on track vs at risk at a glance)."""
        return self.run(
            "select status, count(*) as count_initiatives, avg(percent_complete) as avg_percent_complete "
            "from mart_roadmap_initiatives group by 1 order by 2 desc, 1"
        )

    def roadmap_status_changes(self, date_to: date) -> Result:
        """Per initiative, its latest check-in on or before date_to and the one before: status
        now, status before, and whether it changed (for the monthly review)."""
        sql = """
with checkins as (
    select * from stg_roadmap_checkins__checkins where checkin_date <= $date_to
),

ranked as (
    select *, row_number() over (partition by initiative_id order by checkin_date desc) as checkin_rank
    from checkins
),

final as (
    select
        initiatives.initiative_id,
        initiatives.initiative_name,
        initiatives.phase,
        latest.checkin_date,
        latest.status,
        latest.percent_complete,
        previous.checkin_date as previous_checkin_date,
        previous.status as previous_status,
        previous.percent_complete as previous_percent_complete,
        coalesce(latest.status <> previous.status, false) as is_status_changed,
        latest.note
    from mart_roadmap_initiatives as initiatives
    inner join ranked as latest
        on latest.initiative_id = initiatives.initiative_id and latest.checkin_rank = 1
    left join ranked as previous
        on previous.initiative_id = initiatives.initiative_id and previous.checkin_rank = 2
)

select * from final order by is_status_changed desc, initiative_id"""
        return self.run(sql, {"date_to": date_to})
