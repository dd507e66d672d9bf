-- One row per contract that has a PSA project: its primary project, the one with the earliest start, then the
-- lowest workspace id. What belongs to a contract rather than to one of its projects (retainer fees, ERP
-- invoice lines) is reported on this project in project_profitability_monthly.
with projects as (
    select * from {{ ref('dim_projects') }}
),

ranked as (
    select
        contract_key,
        project_key,
        row_number() over (
            partition by contract_key
            order by start_date nulls last, psa_project_id
        ) as project_rank
    from projects
    where contract_key is not null
)

select
    contract_key,
    project_key
from ranked
where project_rank = 1
