-- One row per PSA project × role whose PSA rate on the as-of date differs from the contract's rate in force
-- for that role on that date. The PSA rate of a role is the card's row for it, else the card's default rate,
-- which Kantata applies to a role that is not on the card (ruling 7): a role the contract prices (e.g. one a
-- change order added) and the card never got is a mismatch when the default rate differs. Both rates are the
-- card version and the contract version in force on the as-of date. Impact 0: its money shows up as
-- time_at_superseded_rate.
with cards as (
    select * from {{ ref('fct_psa_rate_cards') }}
),

projects as (
    select * from {{ ref('dim_projects') }}
    where psa_rate_card_id is not null
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
),

psa_rates as (  -- every role the contract prices, as the project's card prices it
    select
        projects.project_key,
        projects.psa_project_id,
        contracts.contract_key,
        contracts.customer_key,
        contracts.clm_contract_id,
        contracts.currency_code,
        rates_in_force.role,
        coalesce(cards.psa_bill_rate_amount, projects.psa_default_bill_rate_amount) as psa_bill_rate_amount,
        rates_in_force.bill_rate_amount as contract_bill_rate_amount,
        case when cards.role is not null then 'card_role' else 'card_default' end as psa_rate_source
    from projects
    inner join contracts on contracts.contract_key = projects.contract_key
    inner join rates_in_force on rates_in_force.contract_key = contracts.contract_key
    left join cards on cards.project_key = projects.project_key and cards.role = rates_in_force.role
)

select
    project_key,
    psa_project_id,
    contract_key,
    customer_key,
    clm_contract_id,
    role,
    psa_bill_rate_amount,
    contract_bill_rate_amount,
    cast(psa_rate_source as {{ dbt.type_string() }}) as psa_rate_source,
    currency_code
from psa_rates
where psa_bill_rate_amount <> contract_bill_rate_amount
