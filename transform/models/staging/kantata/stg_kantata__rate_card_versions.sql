with source as (
    select * from {{ source('kantata', 'rate_card_versions') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as rate_card_version_id,
        -- served as a string here, as an integer on workspaces: both are strings from staging on
        cast(rate_card_id as {{ dbt.type_string() }}) as rate_card_id,

        -- attributes
        currency as currency_code,
        currency_base_unit,

        -- amounts: the rate of roles that are not on the card
        cast(default_rate_amount as {{ money_type() }}) as default_rate_amount,

        -- metadata (a version is in force from its creation)
        created_at,
        updated_at
    from source
)

select * from renamed
