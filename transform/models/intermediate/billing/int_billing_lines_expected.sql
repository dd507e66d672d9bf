-- The billing schedule each fixed-fee and retainer contract should have, from its current versions
-- (CONTRACT_TO_CASH.md "Billing-schedule drift"): one line per current milestone (key = milestone id, its
-- amount and planned date), or one line per calendar month of a retainer from the start month to the end
-- month (key = YYYY-MM, the fee in force on the month's first day, dated that day). A month the term covers
-- only in part (a start after the 1st, an end before the month's last day) is prorated by calendar days
-- (ruling 4): fee × days covered ÷ days in the month, rounded half away from zero once, here, at the line;
-- the first month is dated on the start date at the fee in force on the start date, the last on the month's
-- first day. A whole month's line is the fee itself (rounded to the minor unit like every line).
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
    select
        month_start,
        {{ month_end('month_start') }} as month_end
    from (select distinct month_start from {{ ref('all_dates') }}) as distinct_months
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

retainer_months as (  -- each month of the term, with the days the term covers in it (end date inclusive)
    select
        contracts.contract_key,
        contracts.currency_code,
        months.month_start,
        -- the first month starts on the start date (the fee in force then); every other month on its 1st
        case
            when contracts.start_date > months.month_start then contracts.start_date else months.month_start
        end as line_date,
        case when contracts.end_date < months.month_end then contracts.end_date else months.month_end end
            as covered_until,
        cast(extract(day from months.month_end) as integer) as days_in_month
    from contracts
    inner join months
        on months.month_start >= {{ month_start('contracts.start_date') }}
            and months.month_start <= {{ month_start('contracts.end_date') }}
    where contracts.billing_model = 'retainer'
),

retainer_days as (  -- both dates are in the month: the days covered are a difference of days of the month
    select
        *,
        cast(extract(day from covered_until) - extract(day from line_date) + 1 as integer) as days_covered
    from retainer_months
),

retainer_lines as (
    select
        retainer_days.contract_key,
        {{ month_key('retainer_days.month_start') }} as line_key,
        cast({{ money_div(
            'fees.retainer_fee_amount * retainer_days.days_covered', 'retainer_days.days_in_month',
            'retainer_days.currency_code'
        ) }} as {{ money_type() }}) as expected_amount,
        retainer_days.line_date as expected_date,
        -- the change order that set the fee in force (carried through later versions that change only the cap)
        fees.fee_amendment_key as amendment_key
    from retainer_days
    inner join fees
        on fees.contract_key = retainer_days.contract_key
            and fees.effective_from <= retainer_days.line_date
            and (fees.effective_to is null or fees.effective_to > retainer_days.line_date)
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
