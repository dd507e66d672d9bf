-- One row per PSA project that references no contract at all. (A project whose reference points to a
-- contract that does not exist is an unmatched entity instead: see recon_unmatched_entities.)
select
    project_key,
    psa_project_id,
    project_name,
    currency_code,
    start_date
from {{ ref('dim_projects') }}
where clm_contract_id is null
