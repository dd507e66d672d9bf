with source as (
    select * from {{ source('kantata', 'time_entries') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as time_entry_id,
        cast(workspace_id as {{ dbt.type_string() }}) as workspace_id,
        cast(story_id as {{ dbt.type_string() }}) as story_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(role_id as {{ dbt.type_string() }}) as role_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,

        -- attributes
        cast(time_in_minutes as integer) as minutes,
        coalesce(billable, false) as is_billable,
        coalesce(is_invoiced, false) as is_invoiced,
        coalesce(approved, false) as is_approved,
        coalesce(taxable, false) as is_taxable,
        notes,
        currency as currency_code,
        currency_base_unit,

        -- amounts: the exact decimals (subunits / currency_base_unit, divided at ingestion), never the
        -- *_in_cents integers: JPY has base unit 1, KWD 1000
        cast(rate as {{ money_type() }}) as applied_bill_rate_amount,
        cast(cost_rate as {{ money_type() }}) as cost_rate_amount,

        -- dates
        date_performed as work_date,

        -- metadata
        created_at,
        updated_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
