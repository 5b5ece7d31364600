-- One row per broken rule of a rejected row. The value and message shown are cut (ingest cuts
-- them since issue 11; older loads kept a value whole, 10 MB of it): `record` keeps the row whole.
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
        left(value, 1000) as offending_value,
        left(message, 2000) as message,
        record,
        quarantined_at
    from source
)

select * from final
