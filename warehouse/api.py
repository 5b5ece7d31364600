"""The warehouse's query API: `Warehouse`, what pages (through dashboard/data.py), `cx metrics` and
exports call. Every method takes Filters (which carry the viewer's scope) and returns a Result: a
Polars frame with the SQL it ran and its bound parameters. The methods live in warehouse/queries/,
a module per page area; this class only puts them together."""

from __future__ import annotations

from warehouse.queries.base import NoWarehouse, Result
from warehouse.queries.coverage import CoverageQueries
from warehouse.queries.data_quality import DataQualityQueries
from warehouse.queries.explore import EXPLORABLE_MARTS, EXPLORE_ROW_LIMIT, ExploreQueries, RowLimitExceeded
from warehouse.queries.friction_costs import FrictionCostsQueries
from warehouse.queries.journey_funnel import JourneyFunnelQueries
from warehouse.queries.loyalty_tiers import LoyaltyTiersQueries
from warehouse.queries.monthly_review import MonthlyReviewQueries
from warehouse.queries.roadmap import RoadmapQueries
from warehouse.queries.scorecard import ScorecardQueries
from warehouse.queries.voice_page import VoicePage, VoicePageQueries

__all__ = [
    "EXPLORABLE_MARTS",
    "EXPLORE_ROW_LIMIT",
    "NoWarehouse",
    "Result",
    "RowLimitExceeded",
    "VoicePage",
    "Warehouse",
]


class Warehouse(
    ScorecardQueries,
    CoverageQueries,
    JourneyFunnelQueries,
    LoyaltyTiersQueries,
    FrictionCostsQueries,
    RoadmapQueries,
    MonthlyReviewQueries,
    DataQualityQueries,
    ExploreQueries,
    VoicePageQueries,  # the voice page's queries and the follow-up list's, and both at once
):
    """The published snapshot's queries, read-only (open one with `Warehouse.open(db)`)."""
