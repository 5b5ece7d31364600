-- Customer-level metrics (churn, CLV) for the 12 months up to $date_to. Churn belongs to the
-- customer, so a figure is the same on every view:
-- - the filters choose which customers are measured: a channel, region or store filter (and the
--   viewer's scope) the customers who bought there in the 12 months (purchase_where); a tier or
--   segment filter the customers whose tier or segment on $date_to is that one (held_where,
--   over mart_customer_tiers);
-- - any purchase in the last $churn_window_days days, wherever it was, means the customer has
--   not churned; their gross margin is that of all their purchases in the 12 months.
-- Customers are counted as bitmaps of mart_customer_daily's dense customer_key (no hashing of
-- customers): a first pass sets the bits of the customers the purchase filters choose, a second
-- over the 12 months' purchases those of the chosen who bought recently, and sums their margin.
-- This file is the purchase filters' query; warehouse/metrics.py holds its variants: without any
-- filter one pass does all (UNFILTERED_WINDOW_SQL); with a tier or segment chosen, each purchase
-- joins what its customer holds on $date_to (HELD_GROUPS_SQL); grouped by tier or segment with
-- neither chosen, each customer's tier looks up bitmaps of the 12 months (HELD_BITMAPS_SQL);
-- grouped by channel, region or store, customers one by one (CUSTOMER_GROUPS_SQL).
-- When the data does not reach back the whole 12 months, no customer is counted (the metric has no
-- value): with only a few months of history nobody could have stopped buying 180 days ago, and
-- churn would read as near zero. The slots are filled from fixed lists by warehouse/metrics.py;
-- values arrive as $parameters.
with history as (
    select min(activity_date) as first_purchase_date from mart_customer_daily
),

chosen as (
    select bitstring_agg(customer_key, 1, {max_key}) as customers
    from mart_customer_daily
    where (select first_purchase_date from history) <= $date_to - interval 364 day
        and activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
        and {purchase_where}
),

-- the 12 months' purchases, each marked with its customer's bit (looked up once per row, in a
-- projection: as a WHERE condition the lookup would be planned as a nested-loop join, 10x slower)
marked as (
    select
        activity_date,
        customer_key,
        gross_margin_amount,
        get_bit(chosen.customers, customer_key - 1) = 1 as is_chosen
    from mart_customer_daily
    cross join chosen
    where activity_date > $date_to - interval 365 day
        and activity_date <= $date_to
),

window_pass as (
    select
        bitstring_agg(customer_key, 1, {max_key}) filter (
            where is_chosen and activity_date > $date_to - to_days(cast($churn_window_days as integer))
        ) as recent,
        sum(cast(gross_margin_amount as decimal(38, 6))) filter (where is_chosen) as gross_margin_amount
    from marked
),

customers as (
    select
        coalesce(bit_count(chosen.customers), 0) as count_customers,
        coalesce(bit_count(chosen.customers), 0) - coalesce(bit_count(window_pass.recent), 0) as count_churned,
        window_pass.gross_margin_amount
    from chosen
    cross join window_pass
)

select {measures}
from customers
