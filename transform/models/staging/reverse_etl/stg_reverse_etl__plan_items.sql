-- The line operations of every reverse-ETL plan. Zero rows before the first plan.
{% if source_exists('reverse_etl', 'plan_items') %}
with source as (
    select * from {{ source('reverse_etl', 'plan_items') }}
),

renamed as (
    select
        -- ids
        plan_id,
        item_key,
        write_key,
        contract_key,
        schedule_external_id,
        line_key,
        -- attributes
        op,
        cast(erp_line as integer) as erp_line,
        currency_code,
        causing_amendment_key,
        clm_amendment_id,
        -- amounts
        cast(before_amount as {{ money_type() }}) as before_amount,
        cast(after_amount as {{ money_type() }}) as after_amount,
        cast(amount_change as {{ money_type() }}) as amount_change,
        -- dates
        before_date,
        after_date
    from source
)

select * from renamed
{% else %}
    select
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_string() }}) as item_key,
        cast(null as {{ dbt.type_string() }}) as write_key,
        cast(null as {{ dbt.type_string() }}) as contract_key,
        cast(null as {{ dbt.type_string() }}) as schedule_external_id,
        cast(null as {{ dbt.type_string() }}) as line_key,
        cast(null as {{ dbt.type_string() }}) as op,
        cast(null as integer) as erp_line,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        cast(null as {{ dbt.type_string() }}) as causing_amendment_key,
        cast(null as {{ dbt.type_string() }}) as clm_amendment_id,
        cast(null as {{ money_type() }}) as before_amount,
        cast(null as {{ money_type() }}) as after_amount,
        cast(null as {{ money_type() }}) as amount_change,
        cast(null as date) as before_date,
        cast(null as date) as after_date
    where 1 = 0
{% endif %}
