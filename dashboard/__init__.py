"""Shared UI code of the Streamlit dashboard: filters and URL state, cached warehouse queries,
the Plotly theme, tiles/tables/downloads, exports and the board pack. Pages stay thin."""
