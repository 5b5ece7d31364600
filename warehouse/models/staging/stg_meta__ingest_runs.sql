-- One row per ingest run.
-- unique_key: run_id
with source as (
    select * from {{ source('meta', 'ingest_runs') }}
),

final as (
    select
        run_id,
        started_at,
        finished_at,
        status,
        files as count_files,
        rows_read as count_rows_read,
        rows_loaded as count_rows_loaded,
        rows_quarantined as count_rows_quarantined
    from source
)

select * from final
