"""Loyalty tiers: how bronze, silver, gold, platinum and non-members perform, and how customers move."""

import streamlit as st

from dashboard import charts, components, data, labels, state

f = state.current()
st.title("Loyalty tiers")
components.caption(state.describe(f))

tiers = data.tier_performance(f)
if tiers.empty:
    components.no_data(f, "orders")
    st.stop()

# A warehouse without a loyalty CRM export (Olist, UCI Online Retail) has only non-members: a chart
# of one bar per panel and a Sankey from non-member to non-member would say nothing.
has_tiers = any(t != "none" for t in data.filter_options().get("tier", []))
if has_tiers:
    components.chart(charts.tier_panels(tiers.frame), key="tier_panels")
else:
    st.info(
        "No loyalty tiers in this warehouse: every customer is a non-member, so there is nothing to "
        "compare or migrate. Load the loyalty CRM's customer export (with tiers) with `cx ingest`.",
        icon=":material/loyalty:",
    )
components.table(
    tiers.frame.select(
        "tier",
        "count_customers",
        "count_orders",
        "net_revenue_amount",
        "revenue_share_pct",
        "orders_per_customer",
        "aov",
        "churn_rate",
        "nps",
        "csat",
        "clv",
        "return_rate",
        "cost_to_serve_per_customer",
    ).rename(
        {
            "aov": labels.money("AOV ¤"),
            "clv": labels.money("CLV ¤"),
            "churn_rate": "Churn %",
            "csat": "CSAT %",
            "return_rate": "Return %",
            "cost_to_serve_per_customer": labels.money("Serve per cust. ¤"),
            "orders_per_customer": "Orders per cust.",
            "revenue_share_pct": "Rev. share %",
            "count_customers": "Customers",
        }
    ),
    "tier_performance",
    f,
    key="tiers",
)
st.caption(
    "Customers are those who bought in the period (non-members buy without a loyalty account; anonymous "
    "orders count in revenue only). Retention = 100% − churn rate; churn and CLV look at the 12 months to "
    "the end of the period. Cost to serve = service cost of the tier's contacts per customer."
)

if not has_tiers:
    st.stop()
st.subheader("Tier migration")
c1, c2, _ = st.columns([1, 1, 2])
date_a = c1.date_input("From", f.date_from, key="migration_from", format="YYYY-MM-DD")
date_b = c2.date_input("To", f.date_to, key="migration_to", format="YYYY-MM-DD")
if date_a >= date_b:
    st.warning("Choose a “From” date before the “To” date.")
else:
    migration = data.tier_migration(date_a, date_b, f)
    if migration.empty:
        components.no_data(f, "loyalty members on both dates")
    else:
        components.chart(charts.tier_sankey(migration.frame, date_a, date_b), key="sankey")
        components.table(
            migration.frame,
            "tier_migration",
            f,
            key="migration",
            notes=[("migration_from", str(date_a)), ("migration_to", str(date_b))],
        )
        st.caption(
            "Blue links are customers who changed tier; grey links stayed. Region and segment filters apply."
        )
