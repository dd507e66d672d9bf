-- One PSA project (Kantata workspace). clm_contract_id is the SOW its external reference names (null when it
-- has none: project_without_contract); contract_key is computed from that id, not joined, so a reference to
-- a SOW that does not exist keeps its key and the coverage rules find it missing (unmatched_entity).
with workspaces as (
    select * from {{ ref('stg_kantata__workspaces') }}
),

links as (
    select * from {{ ref('int_psa_projects_linked_to_contracts') }}
),

rate_cards as (
    select * from {{ ref('int_psa_rate_card_versions_in_force') }}
)

select
    -- ids
    cast({{ surrogate_key('project', 'workspaces.workspace_id') }} as {{ dbt.type_string() }}) as project_key,
    cast(workspaces.workspace_id as {{ dbt.type_string() }}) as psa_project_id,
    cast(links.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('contract', 'links.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,
    cast(workspaces.rate_card_id as {{ dbt.type_string() }}) as psa_rate_card_id,
    cast(rate_cards.rate_card_version_id as {{ dbt.type_string() }}) as psa_rate_card_version_id,

    -- attributes
    cast(workspaces.workspace_name as {{ dbt.type_string() }}) as project_name,
    cast(workspaces.stage as {{ dbt.type_string() }}) as project_stage,
    cast(workspaces.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(workspaces.is_archived as boolean) as is_archived,
    cast(links.contract_reference_count as integer) as contract_reference_count,

    -- amounts
    cast(workspaces.price_amount as {{ money_type() }}) as project_price_amount,
    cast(rate_cards.default_rate_amount as {{ money_type() }}) as psa_default_bill_rate_amount,

    -- dates
    cast(workspaces.start_date as date) as start_date,
    cast(workspaces.due_date as date) as due_date,

    -- metadata
    cast(workspaces.created_at as timestamp with time zone) as created_at,
    cast(workspaces.updated_at as timestamp with time zone) as updated_at
from workspaces
left join links on links.workspace_id = workspaces.workspace_id
left join rate_cards on rate_cards.rate_card_id = workspaces.rate_card_id
