"""Plotly figures for the pages and the board pack, a module per page. They draw what the
warehouse returned; they compute no KPI. All use the "cx" template (dashboard/theme.py),
registered here so any figure built from this package has it."""

from dashboard import theme
from dashboard.charts.data_quality import rows_by_source, rules
from dashboard.charts.explore import explore_bar
from dashboard.charts.friction_costs import DODGE, impact_matrix, pareto
from dashboard.charts.journey_funnel import STAGES, conversion_heatmap, funnel, stage_scores
from dashboard.charts.loyalty_tiers import TIER_PANELS, tier_panels, tier_sankey
from dashboard.charts.overview import friction_top, kpi_trends, roadmap_health
from dashboard.charts.roadmap import PHASE_LABELS, kpi_progress, roadmap_timeline
from dashboard.charts.voice import driver_effects, sentiment_trend, theme_shares

theme.register()

__all__ = [
    "kpi_trends",
    "friction_top",
    "roadmap_health",
    "funnel",
    "conversion_heatmap",
    "stage_scores",
    "STAGES",
    "tier_panels",
    "tier_sankey",
    "TIER_PANELS",
    "pareto",
    "impact_matrix",
    "DODGE",
    "roadmap_timeline",
    "kpi_progress",
    "PHASE_LABELS",
    "rows_by_source",
    "rules",
    "explore_bar",
    "sentiment_trend",
    "theme_shares",
    "driver_effects",
]
