-- One row per PSA story (Kantata) with the contract milestone it delivers: the story's external reference
-- for the CLM milestone (vars psa_contract_service_name / psa_milestone_service_model; ref = the milestone
-- id, e.g. IC-1012-M3). Stories without one keep a null milestone_id.
with stories as (
    select * from {{ ref('stg_kantata__stories') }}
),

milestone_refs as (
    select
        subject_id as story_id,
        service_model_ref as milestone_id,
        row_number() over (
            partition by subject_id
            order by last_synced_at desc nulls last, updated_at desc nulls last, external_reference_id desc
        ) as reference_rank
    from {{ ref('stg_kantata__external_references') }}
    where subject_type = 'Story'
        and service_name = {{ config_text_var("psa_contract_service_name") }}
        and service_model = {{ config_text_var("psa_milestone_service_model") }}
)

select
    stories.story_id,
    stories.workspace_id,
    milestone_refs.milestone_id
from stories
left join milestone_refs
    on milestone_refs.story_id = stories.story_id
        and milestone_refs.reference_rank = 1
