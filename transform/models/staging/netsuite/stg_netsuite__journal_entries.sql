with source as (
    select * from {{ source('netsuite', 'journal_entry') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as journal_entry_id,
        tranid as journal_number,
        cast(entity as {{ dbt.type_string() }}) as customer_id,
        cast(job as {{ dbt.type_string() }}) as job_id,
        cast(currency as {{ dbt.type_string() }}) as currency_id,

        -- attributes
        type as transaction_type,
        status as journal_status,
        memo,

        -- amounts (transaction currency)
        cast(foreigntotal as {{ money_type() }}) as total_amount,
        cast(exchangerate as {{ money_type() }}) as exchange_rate,

        -- dates
        trandate as journal_date,

        -- metadata
        createddate as created_at,
        lastmodifieddate as last_modified_at
    from source
)

select * from renamed
