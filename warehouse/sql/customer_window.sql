-- Customer-level metrics (churn, CLV) for the 12 months up to $date_to. `customers` has one
-- summary row per group: count_customers (customers who bought in the window), count_churned (of
-- them, those with no purchase in its last $churn_window_days days) and their gross_margin_amount;
-- the metric expressions of metrics.toml aggregate these rows. The group, where and customers
-- slots are filled from fixed lists by warehouse/metrics.py; values arrive as $parameters.
-- When the data does not reach back the whole 12 months, no customer is counted (the metric has no
-- value): with only a few months of history nobody could have stopped buying 180 days ago, and
-- churn would read as near zero.
with purchases as (
    select * from mart_customer_daily
),

-- from the mart, not `purchases`: DuckDB materializes a CTE used twice, the whole table
history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

in_window as (
    select *
    from purchases
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
        and {where}
),

{customers}

select {group_outer}{measures}
from customers
{group_by_outer}
