-- One row per fixed-fee or retainer contract whose ERP schedule's non-invoiced lines differ from the desired
-- set in any key, amount or date (int_billing_lines_compared_to_erp). Impact = Σ desired non-invoiced − Σ the
-- ERP's non-invoiced lines.
with compared as (
    select * from {{ ref('int_billing_lines_compared_to_erp') }}
),

schedules as (
    select
        contract_key,
        min(erp_billing_schedule_id) as erp_billing_schedule_id
    from {{ ref('fct_billing_schedule_lines') }}
    group by contract_key
),

contracts as (
    select * from {{ ref('dim_contracts') }}
    where billing_model in ('fixed_fee', 'retainer')
),

per_contract as (
    select
        contract_key,
        sum(case when is_different then 1 else 0 end) as differing_lines,
        sum(coalesce(desired_amount, 0)) as desired_open_amount,
        sum(coalesce(erp_amount, 0)) as erp_open_amount
    from compared
    group by contract_key
)

select
    contracts.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    cast(schedules.erp_billing_schedule_id as {{ dbt.type_string() }}) as erp_billing_schedule_id,
    contracts.currency_code,
    cast(per_contract.differing_lines as integer) as differing_lines,
    cast(per_contract.desired_open_amount as {{ money_type() }}) as desired_open_amount,
    cast(per_contract.erp_open_amount as {{ money_type() }}) as erp_open_amount,
    cast(per_contract.desired_open_amount - per_contract.erp_open_amount as {{ money_type() }}) as impact_amount
from per_contract
inner join contracts on contracts.contract_key = per_contract.contract_key
left join schedules on schedules.contract_key = per_contract.contract_key
where per_contract.differing_lines > 0
