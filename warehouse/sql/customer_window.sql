-- Customer-level metrics (churn, CLV) for the 12 months up to $date_to. One row per customer who
-- bought in that window (with the latest tier, region and segment they bought under), then the
-- metric expressions aggregate over those customers. The group and where slots are filled from fixed
-- lists by warehouse/metrics.py; values arrive as $parameters. Customers are grouped by the mart's
-- integer customer_key (one per customer_id), which is several times faster than the text id.
with purchases as (
    select * from mart_customer_daily
),

customer_window as (
    select
        customer_key,
        {group_select}
        max(activity_date) as last_purchase_date,
        sum(gross_margin_amount) as gross_margin_amount
    from purchases
    where activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
        and {where}
    group by customer_key{group_by_extra}
),

customers as (
    select
        *,
        last_purchase_date <= $date_to - to_days(cast($churn_window_days as integer)) as is_churned
    from customer_window
)

select {group_outer}{measures}
from customers
{group_by_outer}
