-- Grain: one row per PSA project × calendar month in which the project has any activity (revenue earned,
-- billed, time or expenses). Amounts that belong to a contract rather than to a PSA project (retainer fees,
-- ERP invoice lines) go to the contract's primary project (int_contract_primary_projects_selected); a
-- contract with no PSA project keeps them on a row with no project (project_key null), so totals reconcile.
-- Revenue earned follows the revenue rule (CONTRACT_TO_CASH.md "Revenue vs delivery"): T&M = billable minutes
-- × the APPLIED rate; fixed fee = current milestones accepted in the month; retainer = the fee in force on
-- the month's first day, for months up to the as-of date. Cost = minutes × cost rate (all time, billable or
-- not) + every expense. Exact sums (money × minutes stays ×60 until the one division), rounded once per cell;
-- reporting-currency cells use the rate on the month's last day (the as-of date for the as-of month):
-- the latest ERP rate on or before it.
with projects as (
    select * from {{ ref('dim_projects') }}
),

contracts as (
    select * from {{ ref('dim_contracts') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

primary_projects as (
    select * from {{ ref('int_contract_primary_projects_selected') }}
),

-- every part carries its amounts ×60 (time money is rate × minutes; other money is 60 × amount)
time_parts as (
    select
        entries.project_key,
        entries.contract_key,
        {{ month_start('entries.work_date') }} as month_start_date,
        sum(case when entries.is_billable and contracts.billing_model = 'time_and_materials'
                then entries.applied_bill_rate_amount * entries.minutes
            else 0
        end) as revenue_x60,
        cast(0 as {{ money_type() }}) as billed_x60,
        sum(coalesce(entries.cost_rate_amount, 0) * entries.minutes) as time_cost_x60,
        cast(0 as {{ money_type() }}) as expense_x60,
        sum(entries.minutes) as total_minutes,
        sum(case when entries.is_billable then entries.minutes else 0 end) as billable_minutes
    from {{ ref('fct_time_entries') }} as entries
    left join contracts on contracts.contract_key = entries.contract_key
    group by entries.project_key, entries.contract_key, {{ month_start('entries.work_date') }}
),

expense_parts as (
    select
        project_key,
        contract_key,
        {{ month_start('expense_date') }} as month_start_date,
        cast(0 as {{ money_type() }}) as revenue_x60,
        cast(0 as {{ money_type() }}) as billed_x60,
        cast(0 as {{ money_type() }}) as time_cost_x60,
        60 * sum(expense_amount) as expense_x60,
        0 as total_minutes,
        0 as billable_minutes
    from {{ ref('fct_expenses') }}
    group by project_key, contract_key, {{ month_start('expense_date') }}
),

milestone_parts as (
    select
        completions.project_key,
        milestones.contract_key,
        {{ month_start('completions.accepted_date') }} as month_start_date,
        60 * sum(milestones.milestone_amount) as revenue_x60,
        cast(0 as {{ money_type() }}) as billed_x60,
        cast(0 as {{ money_type() }}) as time_cost_x60,
        cast(0 as {{ money_type() }}) as expense_x60,
        0 as total_minutes,
        0 as billable_minutes
    from {{ ref('fct_contract_milestones') }} as milestones
    inner join {{ ref('fct_milestone_completions') }} as completions
        on completions.milestone_id = milestones.milestone_id and completions.accepted_date is not null
    group by completions.project_key, milestones.contract_key, {{ month_start('completions.accepted_date') }}
),

retainer_parts as (
    select
        primary_projects.project_key,
        expected.contract_key,
        {{ month_start('expected.expected_date') }} as month_start_date,
        60 * sum(expected.expected_amount) as revenue_x60,
        cast(0 as {{ money_type() }}) as billed_x60,
        cast(0 as {{ money_type() }}) as time_cost_x60,
        cast(0 as {{ money_type() }}) as expense_x60,
        0 as total_minutes,
        0 as billable_minutes
    from {{ ref('int_billing_lines_expected') }} as expected
    inner join contracts
        on contracts.contract_key = expected.contract_key and contracts.billing_model = 'retainer'
    left join primary_projects on primary_projects.contract_key = expected.contract_key
    where expected.expected_date <= {{ as_of_date() }}
    group by primary_projects.project_key, expected.contract_key, {{ month_start('expected.expected_date') }}
),

billed_parts as (  -- invoice lines of ERP projects linked to no contract cannot be attributed (unmatched_entity);
    -- a voided or rejected invoice bills nothing (int_invoices_counted, rulings 8 and 11)
    select
        primary_projects.project_key,
        invoice_lines.contract_key,
        {{ month_start('invoice_lines.invoice_date') }} as month_start_date,
        cast(0 as {{ money_type() }}) as revenue_x60,
        60 * sum(invoice_lines.line_amount) as billed_x60,
        cast(0 as {{ money_type() }}) as time_cost_x60,
        cast(0 as {{ money_type() }}) as expense_x60,
        0 as total_minutes,
        0 as billable_minutes
    from {{ ref('fct_invoice_lines') }} as invoice_lines
    inner join {{ ref('int_invoices_counted') }} as invoices
        on invoices.invoice_key = invoice_lines.invoice_key and invoices.is_counted
    left join primary_projects on primary_projects.contract_key = invoice_lines.contract_key
    where invoice_lines.contract_key is not null and invoice_lines.invoice_date is not null
    group by primary_projects.project_key, invoice_lines.contract_key, {{ month_start('invoice_lines.invoice_date') }}
),

parts as (
    select * from time_parts
    union all
    select * from expense_parts
    union all
    select * from milestone_parts
    union all
    select * from retainer_parts
    union all
    select * from billed_parts
),

attributed as (  -- a project's amounts stay on the project; the rest on its contract
    select
        parts.project_key,
        case when parts.project_key is null then parts.contract_key end as unprojected_contract_key,
        parts.month_start_date,
        sum(parts.revenue_x60) as revenue_x60,
        sum(parts.billed_x60) as billed_x60,
        sum(parts.time_cost_x60) as time_cost_x60,
        sum(parts.expense_x60) as expense_x60,
        sum(parts.total_minutes) as total_minutes,
        sum(parts.billable_minutes) as billable_minutes
    from parts
    where parts.project_key is not null or parts.contract_key is not null
    group by
        parts.project_key,
        case when parts.project_key is null then parts.contract_key end,
        parts.month_start_date
),

described as (
    select
        attributed.*,
        coalesce(projects.contract_key, attributed.unprojected_contract_key) as contract_key,
        projects.psa_project_id,
        projects.project_name,
        coalesce(contracts.currency_code, projects.currency_code) as currency_code,
        {{ month_end('attributed.month_start_date') }} as month_end_date
    from attributed
    left join projects on projects.project_key = attributed.project_key
    left join contracts
        on contracts.contract_key = coalesce(projects.contract_key, attributed.unprojected_contract_key)
),

converted as (  -- at the rate in force on the month's last day (the as-of date for the as-of month)
    select
        described.*,
        fx.rate_date as fx_rate_date,
        fx.rate_to_reporting
    from described
    {{ left_join_fx_rate_in_force('fx', 'described.currency_code', fx_month_rate_date('described.month_end_date')) }}
),

amounts as (
    select
        converted.*,
        {{ money_div('revenue_x60', '60', 'currency_code') }} as revenue_earned_amount,
        {{ money_div('billed_x60', '60', 'currency_code') }} as billed_amount,
        {{ money_div('time_cost_x60', '60', 'currency_code') }} as time_cost_amount,
        {{ money_div('expense_x60', '60', 'currency_code') }} as expense_cost_amount,
        {{ money_div('revenue_x60 * rate_to_reporting', '60', reporting_currency_literal()) }}
            as revenue_earned_amount_reporting,
        {{ money_div('billed_x60 * rate_to_reporting', '60', reporting_currency_literal()) }}
            as billed_amount_reporting,
        {{ money_div('(time_cost_x60 + expense_x60) * rate_to_reporting', '60', reporting_currency_literal()) }}
            as cost_amount_reporting
    from converted
)

select
    -- ids
    cast(
        {{ surrogate_key('project_month',
        "coalesce(amounts.project_key, 'contract:' || amounts.contract_key) || '|' || cast(amounts.month_start_date as " ~ dbt.type_string() ~ ")") }}
        as {{ dbt.type_string() }}
    ) as project_month_key,
    cast(amounts.project_key as {{ dbt.type_string() }}) as project_key,
    cast(amounts.psa_project_id as {{ dbt.type_string() }}) as psa_project_id,
    cast(amounts.contract_key as {{ dbt.type_string() }}) as contract_key,
    cast(contracts.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(contracts.customer_key as {{ dbt.type_string() }}) as customer_key,

    -- attributes
    cast(amounts.project_name as {{ dbt.type_string() }}) as project_name,
    cast(customers.customer_name as {{ dbt.type_string() }}) as customer_name,
    cast(customers.region as {{ dbt.type_string() }}) as region,
    cast(contracts.billing_model as {{ dbt.type_string() }}) as service_line,
    cast(amounts.project_key is not null as boolean) as has_psa_project,
    cast({{ delivery_hours_from_minutes('amounts.total_minutes') }} as {{ money_type() }}) as total_hours,
    cast({{ delivery_hours_from_minutes('amounts.billable_minutes') }} as {{ money_type() }}) as billable_hours,

    -- amounts (contract currency)
    cast(amounts.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(amounts.revenue_earned_amount as {{ money_type() }}) as revenue_earned_amount,
    cast(amounts.billed_amount as {{ money_type() }}) as billed_amount,
    cast(amounts.time_cost_amount as {{ money_type() }}) as time_cost_amount,
    cast(amounts.expense_cost_amount as {{ money_type() }}) as expense_cost_amount,
    cast(amounts.time_cost_amount + amounts.expense_cost_amount as {{ money_type() }}) as cost_amount,
    cast(
        amounts.revenue_earned_amount - amounts.time_cost_amount - amounts.expense_cost_amount
        as {{ money_type() }}
    ) as margin_amount,
    cast(
        {{ exact_ratio('100 * (amounts.revenue_earned_amount - amounts.time_cost_amount - amounts.expense_cost_amount)',
        'amounts.revenue_earned_amount', 4) }} as {{ money_type() }}
    )
        as margin_pct,

    -- amounts (reporting currency)
    cast({{ reporting_currency_literal() }} as {{ dbt.type_string() }}) as reporting_currency_code,
    cast(amounts.rate_to_reporting as {{ money_type() }}) as fx_rate_to_reporting,
    cast(amounts.revenue_earned_amount_reporting as {{ money_type() }}) as revenue_earned_amount_reporting,
    cast(amounts.billed_amount_reporting as {{ money_type() }}) as billed_amount_reporting,
    cast(amounts.cost_amount_reporting as {{ money_type() }}) as cost_amount_reporting,
    cast(amounts.revenue_earned_amount_reporting - amounts.cost_amount_reporting as {{ money_type() }})
        as margin_amount_reporting,

    -- dates
    cast(amounts.month_start_date as date) as month_start_date,
    cast(amounts.fx_rate_date as date) as fx_rate_date
from amounts
left join contracts on contracts.contract_key = amounts.contract_key
left join customers on customers.customer_key = contracts.customer_key
