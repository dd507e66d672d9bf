with source as (
    select * from {{ source('kantata', 'rate_card_roles') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as rate_card_role_id,
        cast(rate_card_version_id as {{ dbt.type_string() }}) as rate_card_version_id,
        cast(role_id as {{ dbt.type_string() }}) as role_id,

        -- amounts (exact decimal in the version's currency)
        cast(rate_amount as {{ money_type() }}) as rate_amount,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
