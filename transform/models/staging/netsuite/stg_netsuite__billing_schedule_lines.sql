with source as (
    select * from {{ source('netsuite', 'billing_schedule_line') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as billing_schedule_line_id,
        cast(billingschedule as {{ dbt.type_string() }}) as billing_schedule_id,
        cast(invoice as {{ dbt.type_string() }}) as invoice_id,
        -- the expected-line key (milestone id or YYYY-MM) in the firm's custom column (var erp_line_key_field)
        {{ config_identifier('erp_line_key_field') }} as line_key,

        -- attributes
        cast(line as integer) as line_number,

        -- amounts (in the schedule's currency)
        cast(amount as {{ money_type() }}) as line_amount,

        -- dates
        recurrencedate as line_date,

        -- metadata: NetSuite's lastModifiedDate of the schedule the line belongs to
        billingschedule_lastmodifieddate as billing_schedule_last_modified_at
    from source
)

select * from renamed
