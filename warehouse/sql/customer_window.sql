-- Customer-level metrics (churn, CLV) for the 12 months up to $date_to. Churn belongs to the
-- customer, so a figure is the same on every view:
-- - the filters choose which customers are measured: a channel, region or store filter (and the
--   viewer's scope) the customers who bought there in the 12 months (purchase_where); a tier or
--   segment filter the customers whose tier or segment on $date_to is that one (held_where,
--   over mart_customer_tiers);
-- - any purchase in the last $churn_window_days days, wherever it was, means the customer has
--   not churned; their gross margin is that of all their purchases in the 12 months.
-- Customers are counted as bitmaps of mart_customer_daily's dense customer_key (no hashing of
-- customers): bought & held = the chosen customers; chosen & recent = those who did not churn.
-- When the data does not reach back the whole 12 months, no customer is counted (the metric has no
-- value): with only a few months of history nobody could have stopped buying 180 days ago, and
-- churn would read as near zero. The slots are filled from fixed lists by warehouse/metrics.py;
-- values arrive as $parameters.
with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

bought as (
    select bitstring_agg(customer_key, 1, {max_key}) as customers
    from mart_customer_daily
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
        and {purchase_where}
),

held as (
    {held}
),

recent as (
    select bitstring_agg(customer_key, 1, {max_key}) as customers
    from mart_customer_daily
    where activity_date > $date_to - to_days(cast($churn_window_days as integer))
        and activity_date <= $date_to
),

chosen as (
    select bought.customers & held.customers as customers
    from bought
    cross join held
),

margin as (
    select sum(gross_margin_amount) as gross_margin_amount
    from mart_customer_daily
    cross join chosen
    where activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
        and {chosen_row}
),

customers as (
    select
        coalesce(bit_count(chosen.customers), 0) as count_customers,
        coalesce(bit_count(chosen.customers), 0)
            - coalesce(bit_count(chosen.customers & recent.customers), 0) as count_churned,
        margin.gross_margin_amount
    from chosen
    cross join recent
    cross join margin
)

select {measures}
from customers
