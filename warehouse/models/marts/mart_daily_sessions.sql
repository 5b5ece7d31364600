-- One row per day x channel x region x tier x segment x traffic source: sessions reaching each
-- funnel step. Sessions belong to no store; store_id is null so a store filter finds none.
-- Ordered by day, so a period filter skips the row groups outside it (zonemaps).
-- cluster_by: activity_date
-- unique_key: activity_date, channel, store_id, region, tier, segment, traffic_source
-- incremental: activity_date
-- incremental_changes: fct_sessions.session_date
-- nullable_key_columns: store_id
with sessions as (
    select * from {{ ref('fct_sessions') }}
    where {{ changed('session_date') }}
),

final as (
    select
        session_date as activity_date,
        channel,
        cast(null as varchar) as store_id,
        region,
        tier,
        segment,
        traffic_source,
        count(*) as count_sessions,
        count(*) filter (where has_product_view) as count_product_views,
        count(*) filter (where has_add_to_cart) as count_add_to_cart,
        count(*) filter (where has_checkout) as count_checkouts,
        count(*) filter (where has_purchase) as count_purchases,
        count(*) filter (where is_abandoned_cart) as count_abandoned_carts
    from sessions
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
