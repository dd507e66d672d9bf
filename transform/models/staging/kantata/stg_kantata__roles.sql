with source as (
    select * from {{ source('kantata', 'roles') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as role_id,

        -- attributes
        name as role_name,
        {{ delivery_role_slug('name') }} as role,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
