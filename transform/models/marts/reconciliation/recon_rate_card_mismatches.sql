-- One row per PSA project × role whose PSA rate on the as-of date differs from the contract's rate in force
-- for that role on that date. Impact 0: its money shows up as time_at_superseded_rate.
with cards as (
    select * from {{ ref('fct_psa_rate_cards') }}
),

projects as (
    select * from {{ ref('dim_projects') }}
),

contracts as (
    select * from {{ ref('dim_contracts') }}
    where billing_model = 'time_and_materials'
),

rates_in_force as (
    select
        contract_key,
        role,
        bill_rate_amount
    from {{ ref('fct_contract_rates') }}
    where effective_from <= {{ as_of_date() }}
        and (effective_to is null or {{ as_of_date() }} < effective_to)
)

select
    projects.project_key,
    projects.psa_project_id,
    contracts.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    cards.role,
    cards.psa_bill_rate_amount,
    rates_in_force.bill_rate_amount as contract_bill_rate_amount,
    contracts.currency_code
from cards
inner join projects on projects.project_key = cards.project_key
inner join contracts on contracts.contract_key = projects.contract_key
inner join rates_in_force
    on rates_in_force.contract_key = contracts.contract_key and rates_in_force.role = cards.role
where cards.psa_bill_rate_amount <> rates_in_force.bill_rate_amount
