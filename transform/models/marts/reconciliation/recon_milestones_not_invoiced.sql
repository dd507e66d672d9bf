-- One row per milestone of a fixed-fee contract's current version, completed in the PSA, with no ERP invoice
-- line carrying its key, when the as-of date is more than N business days (var, default 5) after completion.
-- Only an invoice that counts invoices (int_invoices_counted: a voided or rejected one invoices nothing,
-- rulings 8 and 11; pending approval, open and paid in full count), so a milestone whose invoice was voided is
-- not invoiced until it is re-issued.
with milestones as (
    select * from {{ ref('fct_contract_milestones') }}
),

contracts as (
    select * from {{ ref('dim_contracts') }}
    where billing_model = 'fixed_fee'
),

completions as (
    select * from {{ ref('fct_milestone_completions') }}
    where completed_date is not null
),

invoiced_keys as (
    select distinct invoice_lines.line_key
    from {{ ref('fct_invoice_lines') }} as invoice_lines
    inner join {{ ref('int_invoices_counted') }} as invoices
        on invoices.invoice_key = invoice_lines.invoice_key and invoices.is_counted
    where invoice_lines.line_key is not null
),

calendar as (
    select
        date_day,
        business_day_number
    from {{ ref('all_dates') }}
),

as_of as (
    select business_day_number from calendar
    where date_day = {{ as_of_date() }}
)

select
    milestones.milestone_key,
    milestones.milestone_id,
    milestones.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    completions.psa_story_id,
    completions.completed_date,
    cast(as_of.business_day_number - completed_day.business_day_number as integer) as business_days_since_completion,
    contracts.currency_code,
    milestones.milestone_amount as impact_amount
from milestones
inner join contracts on contracts.contract_key = milestones.contract_key
inner join completions on completions.milestone_id = milestones.milestone_id
inner join calendar as completed_day on completed_day.date_day = completions.completed_date
cross join as_of
left join invoiced_keys on invoiced_keys.line_key = milestones.milestone_id
where invoiced_keys.line_key is null
    and as_of.business_day_number - completed_day.business_day_number
    > {{ config_number_var('milestone_invoice_threshold_business_days') }}
