with source as (
    select * from {{ source('kantata', 'stories') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as story_id,
        cast(workspace_id as {{ dbt.type_string() }}) as workspace_id,
        cast(parent_id as {{ dbt.type_string() }}) as parent_story_id,

        -- attributes
        title as story_name,
        story_type,
        state,
        coalesce(billable, false) as is_billable,
        coalesce(fixed_fee, false) as is_fixed_fee,
        coalesce(archived, false) as is_archived,

        -- amounts (in the workspace's currency)
        cast(budget_estimate as {{ money_type() }}) as budget_estimate_amount,

        -- dates
        start_date,
        due_date,

        -- metadata
        created_at,
        updated_at
    from source
)

select * from renamed
