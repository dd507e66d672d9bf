-- One PSA story completed or accepted (a milestone delivered): the milestone id its external reference names,
-- its project and contract, and the completion and acceptance dates — the created_at (UTC) of its latest
-- story_state_changes row in state completed / accepted. A completed story without a milestone reference
-- keeps a null milestone_id (an unmatched link, never dropped).
with stories as (
    select * from {{ ref('stg_kantata__stories') }}
),

story_milestones as (
    select * from {{ ref('int_psa_stories_linked_to_milestones') }}
),

projects as (
    select * from {{ ref('int_psa_projects_linked_to_contracts') }}
),

state_changes as (
    select
        story_id,
        max(case when state = 'completed' then changed_at end) as completed_at,
        max(case when state = 'accepted' then changed_at end) as accepted_at
    from {{ ref('stg_kantata__story_state_changes') }}
    where state in ('completed', 'accepted')
    group by story_id
),

completed_stories as (
    select
        stories.*,
        state_changes.completed_at,
        state_changes.accepted_at
    from stories
    left join state_changes on state_changes.story_id = stories.story_id
    where state_changes.story_id is not null
        or stories.state in ('completed', 'accepted')
)

select
    -- ids
    cast({{ surrogate_key('milestone_completion', 'completed_stories.story_id') }} as {{ dbt.type_string() }})
        as milestone_completion_key,
    cast(story_milestones.milestone_id as {{ dbt.type_string() }}) as milestone_id,
    cast(completed_stories.story_id as {{ dbt.type_string() }}) as psa_story_id,
    cast({{ surrogate_key('project', 'completed_stories.workspace_id') }} as {{ dbt.type_string() }}) as project_key,
    cast(completed_stories.workspace_id as {{ dbt.type_string() }}) as psa_project_id,
    cast({{ surrogate_key('contract', 'projects.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,
    cast(projects.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,

    -- attributes
    cast(completed_stories.story_name as {{ dbt.type_string() }}) as story_name,
    cast(completed_stories.story_type as {{ dbt.type_string() }}) as story_type,
    cast(completed_stories.state as {{ dbt.type_string() }}) as psa_story_state,

    -- dates
    cast({{ delivery_utc_date('completed_stories.completed_at') }} as date) as completed_date,
    cast({{ delivery_utc_date('completed_stories.accepted_at') }} as date) as accepted_date,
    cast(completed_stories.completed_at as timestamp with time zone) as completed_at,
    cast(completed_stories.accepted_at as timestamp with time zone) as accepted_at
from completed_stories
left join story_milestones on story_milestones.story_id = completed_stories.story_id
left join projects on projects.workspace_id = completed_stories.workspace_id
