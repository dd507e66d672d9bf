with source as (
    select * from {{ source('netsuite', 'currency') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as currency_id,

        -- attributes
        symbol as currency_code,
        name as currency_name,
        cast(currencyprecision as integer) as currency_precision,
        coalesce(isbasecurrency, false) as is_base_currency,

        -- metadata
        lastmodifieddate as last_modified_at
    from source
)

select * from renamed
