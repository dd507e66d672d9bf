with source as (
    select * from {{ source('kantata', 'users') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as user_id,

        -- attributes
        full_name,
        email_address,
        headline,
        country as country_code,
        classification,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
