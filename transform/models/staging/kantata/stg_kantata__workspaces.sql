with source as (
    select * from {{ source('kantata', 'workspaces') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as workspace_id,
        cast(rate_card_id as {{ dbt.type_string() }}) as rate_card_id,

        -- attributes
        title as workspace_name,
        description as workspace_description,
        stage,
        coalesce(archived, false) as is_archived,
        currency as currency_code,
        currency_base_unit,

        -- amounts
        cast(price as {{ money_type() }}) as price_amount,

        -- dates
        start_date,
        due_date,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
