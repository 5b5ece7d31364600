-- One row per file x rule x column: how many rows a rule rejected in a file, for the data quality
-- page (the rows themselves stay in stg_meta__quarantine).
-- column_name is null for a rule about the whole row (its structure): one value of the grain.
-- unique_key: source_name, file_name, file_id, run_id, rule_name, column_name
-- nullable_key_columns: column_name
with quarantine as (
    select * from {{ ref('stg_meta__quarantine') }}
),

final as (
    select
        source_name,
        file_name,
        file_id,
        run_id,
        rule_name,
        column_name,
        count(*) as count_violations,
        count(distinct file_row_number) as count_rows,
        min(offending_value) as example_value
    from quarantine
    group by 1, 2, 3, 4, 5, 6
)

select * from final
