-- One row per billable time entry of a time-and-materials contract whose applied (PSA) rate differs from the
-- contract rate in force on its work date by at least one minor unit of the contract currency (JPY 1, USD 0.01,
-- KWD 0.001). Impact = (rate in force − applied rate) × hours, exact, rounded half away from zero once to the
-- minor unit; an entry whose impact rounds to 0 is still a break, with impact 0 (ruling 9). State: billed
-- (needs a credit or re-bill) or unbilled.
with entries as (
    select * from {{ ref('fct_time_entries') }}
),

contracts as (
    select * from {{ ref('dim_contracts') }}
)

select
    entries.time_entry_key,
    entries.psa_time_entry_id,
    entries.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    entries.role,
    entries.work_date,
    entries.minutes,
    entries.applied_bill_rate_amount,
    entries.contract_bill_rate_amount,
    contracts.currency_code,
    case when entries.is_invoiced then 'billed' else 'unbilled' end as billing_state,
    {{ money_div('(entries.contract_bill_rate_amount - entries.applied_bill_rate_amount) * entries.minutes', '60',
                 'contracts.currency_code') }} as impact_amount
from entries
inner join contracts on contracts.contract_key = entries.contract_key
where entries.is_billable
    and contracts.billing_model = 'time_and_materials'
    and entries.contract_bill_rate_amount is not null
    and abs(entries.contract_bill_rate_amount - entries.applied_bill_rate_amount)
    >= {{ minor_unit_amount('contracts.currency_code') }}
