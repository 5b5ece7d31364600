"""Retail CX dashboard: `streamlit run app.py`.

Page config, the pages (listed explicitly), the global filters in the sidebar (kept in the URL)
and the data freshness line, then the chosen page runs. The warehouse is the published snapshot
of CX_DB (default data/warehouse.duckdb), opened read-only (dashboard/data.py).
"""

from __future__ import annotations

import streamlit as st

from dashboard import components, data, navigation, state, theme
from warehouse import money

st.set_page_config(page_title="Retail CX dashboard", page_icon=":material/storefront:", layout="wide")
theme.register()
components.inject_css()


def no_warehouse() -> None:
    st.title("Retail CX dashboard")
    st.warning(
        f"There is no warehouse to show yet (looked for a published snapshot of `{data.db_path()}`).",
        icon=":material/database:",
    )
    st.markdown(
        "Create one, then reload this page:\n\n"
        "- **Demo data:** `make demo` (generates seeded demo exports, ingests and builds them, and serves "
        "the "
        "dashboard), or `cx demo` on its own.\n"
        "- **Your own exports:** `cx ingest PATH...` (checks and loads the files, then builds the "
        "warehouse).\n\n"
        "To read another warehouse, set `CX_DB` to its path before `streamlit run app.py`."
    )


def main() -> None:
    if data.snapshot_name() is None:
        st.navigation([st.Page(no_warehouse, title="Set up", url_path="setup")]).run()
        return
    as_of, start = data.as_of(), data.data_start()
    if as_of is None or start is None:
        st.navigation([st.Page(no_warehouse, title="Set up", url_path="setup")]).run()
        st.info("The warehouse exists but holds no orders, contacts, answers or sessions yet.")
        return
    page = st.navigation(navigation.pages())
    state.sidebar(data.filter_options(), as_of, start)
    currencies = ", ".join(data.order_currencies()) or None
    money.use(data.currency())  # every money figure in the orders' own currency
    st.caption(components.freshness_line(data.freshness().frame, as_of, currencies))
    page.run()


main()
