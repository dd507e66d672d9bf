-- The outcome entries of the write ledger (one per schedule write decision: written, landed, already_applied,
-- skipped, superseded, conflict, rejected, failed). Zero rows before the first reverse-ETL run.
{% if source_exists('reverse_etl', 'write_ledger') %}
with source as (
    select * from {{ source('reverse_etl', 'write_ledger') }}
),

renamed as (
    select
        -- ids
        cast(entry_id as bigint) as ledger_entry_id,
        plan_id,
        write_key,
        contract_key,
        schedule_external_id,
        erp_record_id,
        -- attributes
        outcome,
        cast(http_status as integer) as http_status,
        detail,
        erp_last_modified,
        -- dates
        recorded_at
    from source
    where phase = 'outcome'
)

select * from renamed
{% else %}
    select
        cast(null as bigint) as ledger_entry_id,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_string() }}) as write_key,
        cast(null as {{ dbt.type_string() }}) as contract_key,
        cast(null as {{ dbt.type_string() }}) as schedule_external_id,
        cast(null as {{ dbt.type_string() }}) as erp_record_id,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as integer) as http_status,
        cast(null as {{ dbt.type_string() }}) as detail,
        cast(null as {{ dbt.type_string() }}) as erp_last_modified,
        cast(null as timestamp) as recorded_at
    where 1 = 0
{% endif %}
