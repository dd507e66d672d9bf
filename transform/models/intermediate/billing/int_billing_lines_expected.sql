-- The billing schedule each fixed-fee and retainer contract should have, from its current versions
-- (CONTRACT_TO_CASH.md "Billing-schedule drift"): one line per current milestone (key = milestone id, its
-- amount and planned date), or one line per calendar month of a retainer from the start month to the end
-- month (key = YYYY-MM, the fee in force on the month's first day, dated that day).
with contracts as (
    select * from {{ ref('dim_contracts') }}
),

milestones as (
    select * from {{ ref('fct_contract_milestones') }}
),

fees as (
    select * from {{ ref('int_contract_fee_and_cap_versions') }}
),

months as (
    select distinct month_start from {{ ref('all_dates') }}
),

fixed_fee_lines as (
    select
        milestones.contract_key,
        milestones.milestone_id as line_key,
        milestones.milestone_amount as expected_amount,
        milestones.planned_date as expected_date,
        milestones.last_changed_by_amendment_key as amendment_key
    from milestones
    inner join contracts on contracts.contract_key = milestones.contract_key
    where contracts.billing_model = 'fixed_fee'
),

retainer_months as (
    select
        contracts.contract_key,
        months.month_start
    from contracts
    inner join months
        on months.month_start >= {{ month_start('contracts.start_date') }}
            and months.month_start <= {{ month_start('contracts.end_date') }}
    where contracts.billing_model = 'retainer'
),

retainer_lines as (
    select
        retainer_months.contract_key,
        {{ month_key('retainer_months.month_start') }} as line_key,
        fees.retainer_fee_amount as expected_amount,
        retainer_months.month_start as expected_date,
        -- the change order that set the fee in force (carried through later versions that change only the cap)
        fees.fee_amendment_key as amendment_key
    from retainer_months
    inner join fees
        on fees.contract_key = retainer_months.contract_key
            and fees.effective_from <= retainer_months.month_start
            and (fees.effective_to is null or fees.effective_to > retainer_months.month_start)
)

select
    contract_key,
    line_key,
    expected_amount,
    expected_date,
    amendment_key
from fixed_fee_lines
union all
select
    contract_key,
    line_key,
    expected_amount,
    expected_date,
    amendment_key
from retainer_lines
