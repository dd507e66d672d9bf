with source as (
    select * from {{ source('netsuite', 'journal_entry_line') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as journal_entry_line_id,
        cast(transaction as {{ dbt.type_string() }}) as journal_entry_id,
        -- transactionline.entity: the project (job) the revenue is posted to
        cast(entity as {{ dbt.type_string() }}) as job_id,
        {{ config_identifier('erp_line_key_field') }} as line_key,

        -- attributes
        cast(linesequencenumber as integer) as line_number,
        item as account_name,
        accountingperiod as accounting_period,
        memo,

        -- amounts (transaction currency)
        cast(foreignamount as {{ money_type() }}) as line_amount,

        -- metadata
        transaction_lastmodifieddate as journal_last_modified_at
    from source
)

select * from renamed
