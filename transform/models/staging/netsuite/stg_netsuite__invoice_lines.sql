with source as (
    select * from {{ source('netsuite', 'invoice_line') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as invoice_line_id,
        cast(transaction as {{ dbt.type_string() }}) as invoice_id,
        cast(entity as {{ dbt.type_string() }}) as job_id,
        -- the expected-line key (milestone id, YYYY-MM, YYYY-MM:<role>, YYYY-MM:expenses) in the firm's custom column
        {{ config_identifier('erp_line_key_field') }} as line_key,

        -- attributes
        cast(linesequencenumber as integer) as line_number,
        item as item_name,
        taxcode as tax_code,
        accountingperiod as accounting_period,
        memo,

        -- amounts (transaction currency)
        cast(quantity as {{ money_type() }}) as quantity,
        cast(rate as {{ money_type() }}) as rate,
        cast(foreignamount as {{ money_type() }}) as line_amount,
        cast(foreigntaxamount as {{ money_type() }}) as tax_amount,

        -- metadata
        transaction_lastmodifieddate as invoice_last_modified_at
    from source
)

select * from renamed
