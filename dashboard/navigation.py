"""The dashboard's pages, listed explicitly (app.py and the deep-link guard in state.py use them)."""

from __future__ import annotations

import streamlit as st


def pages() -> dict[str, list[st.Page]]:
    # URL paths are the file names (/journey_funnel, ...): on a fresh server Streamlit's legacy pages/
    # mode resolves a deep link by file name before app.py has run (see dashboard.state.current).
    return {
        "Leadership": [
            st.Page(
                "pages/overview.py", title="Executive overview", icon=":material/dashboard:", default=True
            ),
            st.Page("pages/journey_funnel.py", title="Journey funnel", icon=":material/filter_alt:"),
            st.Page("pages/loyalty_tiers.py", title="Loyalty tiers", icon=":material/workspace_premium:"),
            st.Page("pages/friction_costs.py", title="Friction costs", icon=":material/payments:"),
            st.Page("pages/roadmap.py", title="Roadmap", icon=":material/timeline:"),
        ],
        "Governance": [
            st.Page("pages/monthly_review.py", title="Monthly review", icon=":material/event_note:"),
            st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
        ],
        "Analysts": [
            st.Page("pages/explore.py", title="Explore & export", icon=":material/table_view:"),
        ],
    }
