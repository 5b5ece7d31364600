-- One row per file an ingest run looked at (loaded, duplicate or refused).
-- A log without a key: a file named twice in one run is logged twice (loaded, then duplicate;
-- a missing path twice, alike but for loaded_at).
-- unique_key: none
with source as (
    select * from {{ source('meta', 'file_loads') }}
),

final as (
    select
        run_id,
        file_id,
        file_name,
        source as source_name,
        profile as profile_name,
        rows_read as count_rows_read,
        rows_loaded as count_rows_loaded,
        rows_quarantined as count_rows_quarantined,
        status,
        message,
        loaded_at
    from source
)

select * from final
