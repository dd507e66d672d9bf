-- One row per PSA record quarantined or reported by int_psa_records_quarantined (invalid_psa_record; impact 0:
-- the record is kept out of the rules, so it moves no money until the PSA corrects it). record_amount is the
-- money the record would carry as sent (minutes × applied rate ÷ 60, or the expense), in the project's
-- currency, for the team that fixes it. The contract is the project's SOW, when it has one.
with quarantined as (
    select * from {{ ref('int_psa_records_quarantined') }}
),

projects as (
    select * from {{ ref('dim_projects') }}
),

contracts as (
    select * from {{ ref('dim_contracts') }}
)

select
    quarantined.record_type,
    quarantined.psa_record_id,
    quarantined.psa_project_id,
    projects.project_key,
    contracts.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    quarantined.reason,
    quarantined.detail,
    quarantined.record_date,
    coalesce(quarantined.currency_code, projects.currency_code) as currency_code,
    quarantined.record_amount,
    quarantined.is_excluded
from quarantined
left join projects on projects.psa_project_id = quarantined.psa_project_id
left join contracts on contracts.clm_contract_id = projects.clm_contract_id
