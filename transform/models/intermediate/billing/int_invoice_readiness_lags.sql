-- Invoice readiness (CONTRACT_TO_CASH.md "KPIs"): one row per item that became ready to invoice by the as-of
-- date, or was invoiced, with the first invoice that billed it. lag_kind milestone: a milestone of a
-- fixed-fee contract's current version, completed in the PSA on or before the as-of date; its clock starts on
-- the (first) completion date and stops at the first ERP invoice line carrying the milestone key.
-- lag_kind time_and_materials: a contract × calendar month with billable time on a time-and-materials
-- contract, once the month has ended (or it is already invoiced); its clock starts on the month's last day
-- and stops at the first invoice line of that contract keyed to the month ('YYYY-MM:<role>' or
-- 'YYYY-MM:expenses'). Only invoices that count stop a clock (int_invoices_counted: a voided or rejected invoice
-- invoices nothing, rulings 8 and 11). lag_days: whole days, negative when invoiced ahead; null while not
-- invoiced.
with contracts as (
    select
        contract_key,
        billing_model
    from {{ ref('dim_contracts') }}
),

invoice_lines as (
    select
        invoice_lines.contract_key,
        invoice_lines.line_key,
        invoice_lines.invoice_date
    from {{ ref('fct_invoice_lines') }} as invoice_lines
    inner join {{ ref('int_invoices_counted') }} as invoices
        on invoices.invoice_key = invoice_lines.invoice_key and invoices.is_counted
    where invoice_lines.line_key is not null and invoice_lines.invoice_date is not null
),

milestone_invoices as (
    select
        line_key,
        min(invoice_date) as invoice_date
    from invoice_lines
    group by line_key
),

completed_milestones as (
    select
        milestones.milestone_id,
        milestones.contract_key,
        min(completions.completed_date) as completed_date
    from {{ ref('fct_contract_milestones') }} as milestones
    inner join contracts
        on contracts.contract_key = milestones.contract_key and contracts.billing_model = 'fixed_fee'
    inner join {{ ref('fct_milestone_completions') }} as completions
        on completions.milestone_id = milestones.milestone_id and completions.completed_date is not null
    group by milestones.milestone_id, milestones.contract_key
),

milestone_lags as (
    select
        'milestone' as lag_kind,
        completed_milestones.contract_key,
        completed_milestones.milestone_id,
        completed_milestones.completed_date as clock_start_date,
        {{ month_start('completed_milestones.completed_date') }} as clock_start_month,
        milestone_invoices.invoice_date,
        case when milestone_invoices.invoice_date is not null then
                {{ dbt.datediff('completed_milestones.completed_date', 'milestone_invoices.invoice_date', 'day') }}
        end as lag_days
    from completed_milestones
    left join milestone_invoices on milestone_invoices.line_key = completed_milestones.milestone_id
    where completed_milestones.completed_date <= {{ as_of_date() }}
),

tm_periods as (  -- contract × month worked with billable time
    select
        entries.contract_key,
        {{ month_start('entries.work_date') }} as period_start_date
    from {{ ref('fct_time_entries') }} as entries
    inner join contracts
        on contracts.contract_key = entries.contract_key and contracts.billing_model = 'time_and_materials'
    where entries.is_billable
    group by entries.contract_key, {{ month_start('entries.work_date') }}
),

tm_period_invoices as (
    select
        tm_periods.contract_key,
        tm_periods.period_start_date,
        {{ month_end('tm_periods.period_start_date') }} as period_end_date,
        min(invoice_lines.invoice_date) as invoice_date
    from tm_periods
    left join invoice_lines
        on invoice_lines.contract_key = tm_periods.contract_key
            and substr(invoice_lines.line_key, 1, 8) = {{ month_key('tm_periods.period_start_date') }} || ':'
    group by tm_periods.contract_key, tm_periods.period_start_date
),

tm_lags as (
    select
        'time_and_materials' as lag_kind,
        contract_key,
        cast(null as {{ dbt.type_string() }}) as milestone_id,
        period_end_date as clock_start_date,
        period_start_date as clock_start_month,
        invoice_date,
        case when invoice_date is not null then
                {{ dbt.datediff('period_end_date', 'invoice_date', 'day') }}
        end as lag_days
    from tm_period_invoices
    where period_end_date < {{ as_of_date() }} or invoice_date is not null
)

select * from milestone_lags
union all
select * from tm_lags
