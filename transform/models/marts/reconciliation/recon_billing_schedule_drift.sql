-- One row per fixed-fee or retainer contract whose ERP schedule's non-invoiced lines differ from the desired
-- set in any key, amount or date. Impact = Σ desired non-invoiced − Σ the ERP's non-invoiced lines.
with desired as (
    select * from {{ ref('int_billing_lines_desired') }}
),

erp_open as (
    select contract_key, line_key, line_amount, line_date, erp_billing_schedule_id
    from {{ ref('fct_billing_schedule_lines') }}
    where status <> 'invoiced'
),

schedules as (
    select contract_key, min(erp_billing_schedule_id) as erp_billing_schedule_id
    from {{ ref('fct_billing_schedule_lines') }}
    group by contract_key
),

contracts as (
    select * from {{ ref('dim_contracts') }} where billing_model in ('fixed_fee', 'retainer')
),

compared as (
    select
        coalesce(desired.contract_key, erp_open.contract_key) as contract_key,
        case
            when desired.line_key is null or erp_open.line_key is null then 1
            when desired.line_amount <> erp_open.line_amount or desired.line_date <> erp_open.line_date then 1
            else 0
        end as is_different,
        coalesce(desired.line_amount, 0) as desired_amount,
        coalesce(erp_open.line_amount, 0) as erp_amount
    from desired
    full outer join erp_open
        on erp_open.contract_key = desired.contract_key and erp_open.line_key = desired.line_key
),

per_contract as (
    select
        contract_key,
        sum(is_different) as differing_lines,
        sum(desired_amount) as desired_open_amount,
        sum(erp_amount) as erp_open_amount
    from compared
    group by contract_key
)

select
    contracts.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    cast(schedules.erp_billing_schedule_id as {{ dbt.type_string() }}) as erp_billing_schedule_id,
    contracts.currency_code,
    per_contract.differing_lines,
    per_contract.desired_open_amount,
    per_contract.erp_open_amount,
    cast(per_contract.desired_open_amount - per_contract.erp_open_amount as {{ money_type() }}) as impact_amount
from per_contract
inner join contracts on contracts.contract_key = per_contract.contract_key
left join schedules on schedules.contract_key = per_contract.contract_key
where per_contract.differing_lines > 0
