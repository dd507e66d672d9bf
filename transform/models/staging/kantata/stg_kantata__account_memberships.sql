with source as (
    select * from {{ source('kantata', 'account_memberships') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as account_membership_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(default_role_id as {{ dbt.type_string() }}) as default_role_id,

        -- attributes
        currency as currency_code,
        currency_base_unit,

        -- amounts (exact decimal, already divided by currency_base_unit at ingestion)
        cast(cost_rate as {{ money_type() }}) as cost_rate_amount,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
