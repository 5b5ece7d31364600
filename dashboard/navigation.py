"""The dashboard's pages, listed explicitly, each with the roles that see it (config/access.py
PAGE_ROLES). app.py and the deep-link guard in state.py build the navigation from here, so a page
a role may not see is neither listed nor reachable by its URL."""

from __future__ import annotations

import streamlit as st

from config.access import PAGE_ROLES, User

# url path (= file name: on a fresh server Streamlit's legacy pages/ mode resolves a deep link by
# file name before app.py has run, see dashboard.state.current) -> section, title, icon
PAGES = {
    "overview": ("Leadership", "Executive overview", ":material/dashboard:"),
    "journey_funnel": ("Leadership", "Journey funnel", ":material/filter_alt:"),
    "loyalty_tiers": ("Leadership", "Loyalty tiers", ":material/workspace_premium:"),
    "friction_costs": ("Leadership", "Friction costs", ":material/payments:"),
    "roadmap": ("Leadership", "Roadmap", ":material/timeline:"),
    "voice_of_customer": ("Leadership", "Voice of the customer", ":material/forum:"),
    "monthly_review": ("Governance", "Monthly review", ":material/event_note:"),
    "data_quality": ("Governance", "Data quality", ":material/fact_check:"),
    "targets": ("Governance", "Targets", ":material/flag:"),
    "audit": ("Governance", "Audit", ":material/policy:"),
    "explore": ("Analysts", "Explore & export", ":material/table_view:"),
}
assert set(PAGES) == set(PAGE_ROLES), "every page declares who sees it"


def pages(user: User | None) -> dict[str, list[st.Page]]:
    """The pages `user` may see, by section (the overview first: it is the default). None = every
    page, only for state.current's hidden routing step, which reruns through app.py's gate."""
    out: dict[str, list[st.Page]] = {}
    for key, (section, title, icon) in PAGES.items():
        if user is None or user.can_see(key):
            out.setdefault(section, []).append(
                st.Page(f"pages/{key}.py", title=title, icon=icon, default=not out)
            )
    return out
