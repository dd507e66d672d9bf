-- Every write the ERP rejected (or the plan blocked before the push), with the ERP's error body. Zero rows
-- before the first reverse-ETL run.
{% if source_exists('reverse_etl', 'dead_letters') %}
with source as (
    select * from {{ source('reverse_etl', 'dead_letters') }}
),

renamed as (
    select
        -- ids
        plan_id,
        write_key,
        contract_key,
        schedule_external_id,
        -- attributes
        cast(http_status as integer) as http_status,
        error_body,
        cast(rejection_number as integer) as rejection_number,
        -- dates
        recorded_at
    from source
)

select * from renamed
{% else %}
    select
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_string() }}) as write_key,
        cast(null as {{ dbt.type_string() }}) as contract_key,
        cast(null as {{ dbt.type_string() }}) as schedule_external_id,
        cast(null as integer) as http_status,
        cast(null as {{ dbt.type_string() }}) as error_body,
        cast(null as integer) as rejection_number,
        cast(null as timestamp) as recorded_at
    where 1 = 0
{% endif %}
