with source as (
    select * from {{ source('netsuite', 'payment_application') }}
),

renamed as (
    select
        -- ids: previoustransactionlink — the payment (nextdoc) pays the invoice (previousdoc)
        cast(nextdoc as {{ dbt.type_string() }}) as customer_payment_id,
        cast(previousdoc as {{ dbt.type_string() }}) as invoice_id,

        -- attributes
        linktype as link_type,
        nextdoc_type as payment_transaction_type,

        -- amounts (transaction currency)
        cast(foreignamount as {{ money_type() }}) as applied_amount,

        -- dates
        linkdate as applied_date,

        -- metadata
        nextdoc_lastmodifieddate as payment_last_modified_at
    from source
)

select * from renamed
