with source as (
    select * from {{ source('kantata', 'expenses') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as expense_id,
        cast(workspace_id as {{ dbt.type_string() }}) as workspace_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,

        -- attributes
        category,
        notes,
        coalesce(is_billable, false) as is_billable,
        coalesce(is_invoiced, false) as is_invoiced,
        currency as currency_code,
        currency_base_unit,

        -- amounts (exact decimal, never amount_in_cents)
        cast(amount as {{ money_type() }}) as expense_amount,

        -- dates
        date as expense_date,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
