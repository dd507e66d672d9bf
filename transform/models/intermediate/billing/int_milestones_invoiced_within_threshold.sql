-- Milestone-to-billing conversion (CONTRACT_TO_CASH.md "KPIs"): one row per completed milestone of a fixed-fee
-- contract (the milestone rows of int_invoice_readiness_lags), with whether its threshold window has closed —
-- the as-of date is more than var milestone_invoice_threshold_business_days business days (Monday–Friday)
-- after completion — and whether its first invoice came within that many business days of completion.
{%- set threshold = config_number_var('milestone_invoice_threshold_business_days') %}
with milestones as (
    select
        contract_key,
        milestone_id,
        clock_start_date as completed_date,
        clock_start_month,
        invoice_date
    from {{ ref('int_invoice_readiness_lags') }}
    where lag_kind = 'milestone'
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
    milestones.contract_key,
    milestones.milestone_id,
    milestones.completed_date,
    milestones.clock_start_month as completion_month,
    milestones.invoice_date,
    as_of.business_day_number - completed_day.business_day_number > {{ threshold }} as is_window_closed,
    coalesce(invoiced_day.business_day_number - completed_day.business_day_number <= {{ threshold }}, false)
        as is_invoiced_within_threshold
from milestones
left join calendar as completed_day on completed_day.date_day = milestones.completed_date
left join calendar as invoiced_day on invoiced_day.date_day = milestones.invoice_date
cross join as_of
