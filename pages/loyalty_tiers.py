"""Loyalty tiers: how bronze, silver, gold, platinum and non-members perform, and how customers move."""

import polars as pl
import streamlit as st

from dashboard import charts, components, data, labels, state
from dashboard.state import tier_label
from warehouse.queries.loyalty_tiers import CLV_MIN_CHURNERS

f = state.current()
st.title("Loyalty tiers")
components.caption(state.describe(f))
if f.channel:
    st.caption(labels.CHANNEL_FILTER["loyalty_tiers"])

tiers = data.tier_performance(f)
if tiers.empty or not (tiers.frame["count_orders"].sum() or tiers.frame["count_customers"].sum()):
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
        "churn_rate__margin",
        "churn_rate__n",
        "count_churned",
        "clv",
        "clv__margin",
        "nps",
        "nps__n",
        "csat",
        "csat__n",
        "return_rate",
        "cost_to_serve_per_customer",
        "count_anonymous_contacts",
        "anonymous_service_cost_amount",
    ).rename(
        {
            "aov": labels.money("AOV ¤"),
            "clv": labels.money("CLV ¤"),
            "clv__margin": labels.money("CLV ± ¤"),
            "churn_rate": "Churn %",
            "churn_rate__margin": "Churn ± %",
            "churn_rate__n": "Churn n (12 months' customers)",
            "count_churned": "Churners",
            "nps__n": "NPS n",
            "csat": "CSAT %",
            "csat__n": "CSAT n",
            "return_rate": "Return %",
            "cost_to_serve_per_customer": labels.money("Serve per cust. ¤"),
            "orders_per_customer": "Orders per cust.",
            "revenue_share_pct": "Rev. share %",
            "count_customers": "Customers",
            "count_anonymous_contacts": "Anonymous contacts",
            "anonymous_service_cost_amount": labels.money("Anonymous contacts ¤"),
        }
    ),
    "tier_performance",
    f,
    key="tiers",
)
st.caption(
    "**Customers** bought in the period and are counted once, in the tier they hold on its last day "
    f"({f.date_to:%d %b %Y}), so the tiers add up to the customers. **Churn and CLV** look at the 12 "
    "months to the period's end: their customers by the same tier, and any purchase, in any channel, "
    "means a customer has not churned, so a tier's figure is the same with or without the tier filter. "
    "Orders, revenue, AOV, returns, NPS, CSAT and contacts count under the tier held when they "
    "happened; non-members include anonymous orders and answers. **Cost to serve** = the service cost "
    "of the tier's known customers' contacts per customer; anonymous contacts (no customer) are in "
    "no tier's and shown apart. Whiskers and ± = 95% margin of error; n = what a figure rests on "
    "(answers, customers, churners; hover a bar). Grey hatched bars, with their n: too few to read "
    f"(NPS or CSAT under their minimum answers, a CLV on fewer than {CLV_MIN_CHURNERS} churners, whose "
    "lifetime 1 / churn is barely known)."
)
few = tiers.frame.filter(pl.col("is_clv_few_churners"))
if few.height:
    st.warning(
        "CLV rests on few churners, so the lifetime behind it (1 / churn) is uncertain: "
        + "; ".join(
            f"{tier_label(r['tier'])} {r['count_churned']:,} of {r['churn_rate__n']:,.0f} customers "
            f"(CLV {components.fmt_money(r['clv'])} ± {components.fmt_money(r['clv__margin'])})"
            for r in few.to_dicts()
        )
        + ".",
        icon=":material/warning:",
    )
anonymous = tiers.frame.filter(pl.col("count_anonymous_contacts") > 0)
if anonymous.height:
    row = anonymous.row(0, named=True)
    st.caption(
        f"Anonymous contacts in the period: {row['count_anonymous_contacts']:,.0f}, service cost "
        f"{components.fmt_money(row['anonymous_service_cost_amount'])}: not in any tier's cost to serve."
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
