-- Customer-level metrics (churn, CLV) for the 12 months up to $date_to. One row per customer who
-- bought in that window (with the latest tier, region and segment they bought under), then the
-- metric expressions aggregate over those customers. When the data does not reach back the whole
-- 12 months, no customer is counted (the metric has no value): with only a few months of history
-- nobody could have stopped buying 180 days ago, and churn would read as near zero. The group and where slots are filled from fixed
-- lists by warehouse/metrics.py; values arrive as $parameters.
with purchases as (
    select * from mart_customer_daily
),

history as (
    select min(activity_date) as first_purchase_date from purchases
),

customer_window as (
    select
        customer_id,
        {group_select}
        max(activity_date) as last_purchase_date,
        sum(gross_margin_amount) as gross_margin_amount
    from purchases
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
        and {where}
    group by customer_id{group_by_extra}
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
