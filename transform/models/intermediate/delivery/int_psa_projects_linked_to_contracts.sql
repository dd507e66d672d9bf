-- One row per PSA project (Kantata workspace) with the SOW it references: the workspace's external reference
-- for the CLM (vars psa_contract_service_name / psa_contract_service_model; ref = the SOW's ironcladId).
-- A workspace with no reference keeps a null clm_contract_id (project_without_contract); one with several
-- keeps the most recently synced and says how many it has.
with workspaces as (
    select * from {{ ref('stg_kantata__workspaces') }}
),

contract_refs as (
    select
        subject_id as workspace_id,
        service_model_ref as clm_contract_id,
        row_number() over (
            partition by subject_id
            order by last_synced_at desc nulls last, updated_at desc nulls last, external_reference_id desc
        ) as reference_rank,
        count(*) over (partition by subject_id) as contract_reference_count
    from {{ ref('stg_kantata__external_references') }}
    where subject_type = 'Workspace'
        and service_name = {{ config_text_var("psa_contract_service_name") }}
        and service_model = {{ config_text_var("psa_contract_service_model") }}
),

latest_refs as (
    select
        workspace_id,
        clm_contract_id,
        contract_reference_count
    from contract_refs
    where reference_rank = 1
)

select
    workspaces.workspace_id,
    latest_refs.clm_contract_id,
    cast(coalesce(latest_refs.contract_reference_count, 0) as integer) as contract_reference_count
from workspaces
left join latest_refs on latest_refs.workspace_id = workspaces.workspace_id
