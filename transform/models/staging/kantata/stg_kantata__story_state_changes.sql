with source as (
    select * from {{ source('kantata', 'story_state_changes') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as story_state_change_id,
        cast(story_id as {{ dbt.type_string() }}) as story_id,

        -- attributes
        state,

        -- dates: the change happened when the row was created (sandbox/README.md "Kantata conventions")
        created_at as changed_at,
        {{ delivery_utc_date('created_at') }} as changed_date,

        -- metadata
        updated_at
    from source
)

select * from renamed
