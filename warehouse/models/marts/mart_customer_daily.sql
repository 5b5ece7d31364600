-- One row per customer x day x channel with purchases: the base of the customer-level metrics
-- (churn, CLV, customers and orders per customer by tier), which are not additive across days.
with orders as (
    select * from {{ ref('fct_orders') }}
),

final as (
    select
        customer_id,
        order_date as activity_date,
        channel,
        store_id,
        region,
        tier,
        segment,
        count(*) as count_orders,
        sum(net_revenue_amount) as net_revenue_amount,
        sum(gross_margin_amount) as gross_margin_amount
    from orders
    where not is_anonymous
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
