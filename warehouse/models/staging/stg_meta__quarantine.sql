-- One row per broken rule of a rejected row.
-- A log without a key: a survey response row answering several questions is one row per answer
-- at ingest, so one file row can break the same rule on the same column more than once.
-- unique_key: none
with source as (
    select * from {{ source('meta', 'quarantine') }}
),

final as (
    select
        run_id,
        file_id,
        file_name,
        source as source_name,
        row_number as file_row_number,
        rule as rule_name,
        column_name,
        value as offending_value,
        message,
        record,
        quarantined_at
    from source
)

select * from final
