"""The query API, a module per page area, lined up with pages/<x>.py and dashboard/charts/<x>.py:

- base.py: the connection, Result, snapshot constants, the page frame (data window, currency,
  filter options)
- scorecard.py: every metric for a period, over time, by a dimension (all pages' KPIs)
- overview.py, journey_funnel.py, loyalty_tiers.py, friction_costs.py, roadmap.py,
  monthly_review.py, data_quality.py, explore.py: each page's own queries

warehouse.api.Warehouse puts them together; pages reach it through dashboard/data.py.
"""
