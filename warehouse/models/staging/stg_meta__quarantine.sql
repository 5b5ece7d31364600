-- One row per broken rule of a rejected row.
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
