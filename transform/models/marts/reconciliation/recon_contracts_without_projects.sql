-- One row per approved SOW that no PSA project references (CONTRACT_TO_CASH.md "Coverage").
with contracts as (
    select * from {{ ref('dim_contracts') }}
    where status = 'approved'
),

linked as (
    select distinct clm_contract_id from {{ ref('dim_projects') }}
    where clm_contract_id is not null
)

select
    contracts.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    contracts.currency_code,
    contracts.billing_model,
    contracts.start_date
from contracts
left join linked on linked.clm_contract_id = contracts.clm_contract_id
where linked.clm_contract_id is null
