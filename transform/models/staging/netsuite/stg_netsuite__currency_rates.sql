with source as (
    select * from {{ source('netsuite', 'currency_rate') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as currency_rate_id,
        cast(basecurrency as {{ dbt.type_string() }}) as base_currency_id,
        cast(transactioncurrency as {{ dbt.type_string() }}) as transaction_currency_id,

        -- amounts: base-currency units per one unit of the transaction currency
        cast(exchangerate as {{ money_type() }}) as exchange_rate,

        -- dates
        effectivedate as effective_date,

        -- metadata
        lastmodifieddate as last_modified_at
    from source
)

select * from renamed
