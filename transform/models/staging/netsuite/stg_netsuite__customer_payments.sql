with source as (
    select * from {{ source('netsuite', 'customer_payment') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as customer_payment_id,
        tranid as payment_number,
        cast(entity as {{ dbt.type_string() }}) as customer_id,
        cast(job as {{ dbt.type_string() }}) as job_id,
        cast(currency as {{ dbt.type_string() }}) as currency_id,

        -- attributes
        type as transaction_type,
        status as payment_status,
        memo,

        -- amounts (transaction currency)
        cast(foreigntotal as {{ money_type() }}) as payment_amount,
        cast(exchangerate as {{ money_type() }}) as exchange_rate,

        -- dates
        trandate as payment_date,

        -- metadata
        createddate as created_at,
        lastmodifieddate as last_modified_at
    from source
)

select * from renamed
