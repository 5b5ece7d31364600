"""Retail CX dashboard: `streamlit run app.py`.

Settings from the environment, then the sign-in gate (dashboard/auth.py: nobody gets a page or a
row before it), the pages the person's role sees (listed explicitly), the global filters in the
sidebar (kept in the URL) and the data freshness line, then the chosen page runs. The warehouse
is the published snapshot of CX_DB (default data/warehouse.duckdb), opened read-only.
"""

from __future__ import annotations

import streamlit as st

from config.settings import Settings
from dashboard import auth, components, data, navigation, state, theme
from warehouse import money

st.set_page_config(page_title="Retail CX dashboard", page_icon=":material/storefront:", layout="wide")
theme.register()
components.inject_css()


def no_warehouse() -> None:
    st.title("Retail CX dashboard")
    st.warning("There is no warehouse to show yet.", icon=":material/database:")
    st.markdown(
        "Create one, then reload this page:\n\n"
        "- **Demo data:** `make demo` (generates seeded demo exports, ingests and builds them, and serves "
        "the dashboard), or `cx demo` on its own.\n"
        "- **Your own exports:** `cx ingest PATH...` (checks and loads the files, then builds the "
        "warehouse).\n\n"
        "To read another warehouse, set `CX_DB` to its path before `streamlit run app.py`."
    )


def outdated_warehouse() -> None:
    st.title("Retail CX dashboard")
    st.warning("The warehouse was built by an older version of this dashboard.", icon=":material/database:")
    st.markdown(
        "Run `cx build` (it builds what this version adds to the warehouse or changes in it), "
        "then reload this page."
    )


def main() -> None:
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # a setting with a value that cannot be used: say which
        st.error(f"The dashboard cannot start: {exc}.", icon=":material/settings:")
        return
    data.configure(settings)
    auth.use_db(data.db_path())
    user = auth.gate(settings, data.db_path())
    if user is None:
        return
    if data.snapshot_name() is None:
        st.navigation([st.Page(no_warehouse, title="Set up", url_path="setup")]).run()
        return
    if data.missing_models():  # built by an older version of the app: its pages cannot all answer
        st.navigation([st.Page(outdated_warehouse, title="Set up", url_path="setup")]).run()
        return
    as_of, start = data.as_of(), data.data_start()
    if as_of is None or start is None:
        st.navigation([st.Page(no_warehouse, title="Set up", url_path="setup")]).run()
        st.info("The warehouse exists but holds no orders, contacts, answers or sessions yet.")
        return
    page = st.navigation(navigation.pages(user))
    filters = state.sidebar(data.filter_options(), as_of, start)
    auth.sign_out_button()
    currencies = ", ".join(data.order_currencies()) or None
    money.use(data.currency())  # every money figure in the orders' own currency
    st.caption(components.freshness_line(data.freshness().frame, as_of, currencies))
    auth.page_viewed(page.url_path or "overview", filters.describe())
    try:
        page.run()
    except Exception as exc:  # st.stop/st.rerun are not Exceptions: they pass through
        st.error(
            f"Something went wrong showing this page. Error id {auth.error_id(exc)}: the server's log "
            "has the details. Try again, or tell your CX team the id.",
            icon=":material/error:",
        )


main()
