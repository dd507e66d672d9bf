-- One row per contract whose delivered value exceeds the not-to-exceed cap in force on the as-of date.
-- Delivered = billable hours × rate in force (time and materials) + billable expenses + amounts of completed
-- milestones of the current version (fixed fee) + fees of the retainer months started (retainer).
-- Computed exactly (in minutes × money), rounded once: impact = delivered − cap.
with contracts as (
    select * from {{ ref('dim_contracts') }}
    where not_to_exceed_amount is not null
),

time_value as (  -- rate × minutes (÷ 60 happens once, at the end); time that cannot be priced is left out
    select
        contract_key,
        sum(contract_bill_rate_amount * minutes) as value_x60
    from {{ ref('fct_time_entries') }}
    where is_billable and contract_bill_rate_amount is not null
    group by contract_key
),

expense_value as (
    select
        contract_key,
        sum(expense_amount) as amount
    from {{ ref('fct_expenses') }}
    where is_billable
    group by contract_key
),

milestone_value as (
    select
        milestones.contract_key,
        sum(milestones.milestone_amount) as amount
    from {{ ref('fct_contract_milestones') }} as milestones
    inner join {{ ref('fct_milestone_completions') }} as completions
        on completions.milestone_id = milestones.milestone_id and completions.completed_date is not null
    group by milestones.contract_key
),

retainer_value as (
    select
        expected.contract_key,
        sum(expected.expected_amount) as amount
    from {{ ref('int_billing_lines_expected') }} as expected
    inner join contracts on contracts.contract_key = expected.contract_key and contracts.billing_model = 'retainer'
    where expected.expected_date <= {{ as_of_date() }}
    group by expected.contract_key
),

delivered as (
    select
        contracts.contract_key,
        coalesce(time_value.value_x60, 0)
        + 60 * (
            coalesce(expense_value.amount, 0) + coalesce(milestone_value.amount, 0)
            + coalesce(retainer_value.amount, 0)
        ) as delivered_x60
    from contracts
    left join time_value on time_value.contract_key = contracts.contract_key
    left join expense_value on expense_value.contract_key = contracts.contract_key
    left join milestone_value on milestone_value.contract_key = contracts.contract_key
    left join retainer_value on retainer_value.contract_key = contracts.contract_key
),

measured as (
    select
        contracts.contract_key,
        contracts.customer_key,
        contracts.clm_contract_id,
        contracts.currency_code,
        contracts.not_to_exceed_amount,
        {{ money_div('delivered.delivered_x60', '60', 'contracts.currency_code') }} as delivered_amount,
        {{ money_div(
            'delivered.delivered_x60 - 60 * contracts.not_to_exceed_amount', '60', 'contracts.currency_code'
        ) }} as impact_amount
    from contracts
    inner join delivered on delivered.contract_key = contracts.contract_key
)

select * from measured
where impact_amount > 0
