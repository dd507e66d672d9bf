-- Grain: one row per month × KPI × dimension (long format: kpi_name says what is measured, kpi_dimension the
-- breakdown, 'all' when there is none). The month is the month the measured clock STARTS (cohort): the CLM
-- approval of an amendment, the completion of a milestone, the T&M period worked; billing leakage is a
-- point-in-time figure and sits in the as-of month. A statistic with nothing to measure has no row.
--
-- Amendment propagation (approved change orders; days with decimals, from the CLM approval, never below 0 —
-- a system that already showed the change before the approval counts as 0 days):
--   psa_rate_card: change orders that put a rate in force on a time-and-materials contract. Reflected when,
--     for every project of the contract that has a rate card, a version of that card prices every role the
--     change order lists at its rate (roles not on the card at the version's default rate); reflected at =
--     the first such version's created_at, or the matching role rows' updated_at when later (Kantata edits
--     rates in place; a later unrelated edit can only overstate the time). A change order wholly superseded
--     on its own effective date never governs a day and has nothing to propagate.
--   erp_billing_schedule: change orders of fixed-fee and retainer contracts that still govern at least one
--     line (the change order that last changed it) or removed a milestone. Reflected when every desired
--     non-invoiced line it governs is in the ERP schedule with the same key and amount (and date, except
--     adjustment and credit lines, dated on the as-of date), every line it governs that is already invoiced
--     carries the expected amount, and no non-invoiced ERP line carries the key of a milestone it removed (an
--     invoiced one needs its credit line, which int_billing_lines_desired attributes to the change order).
--     Reflected at = the schedule's lastModifiedDate (NetSuite keeps only the last write: an upper bound).
-- Invoice readiness lag (whole days, may be negative when invoiced ahead): milestone = completion date →
-- first invoice line with the milestone's key (current milestones of fixed-fee contracts); time_and_materials
-- = last day of the month worked → first invoice line of that month (line key 'YYYY-MM:<role>' or
-- 'YYYY-MM:expenses') for contract × months with billable time. Pending counts are ended, not yet invoiced.
-- Milestone-to-billing conversion: of the milestones completed in the month whose threshold window has
-- closed (the as-of date more than var milestone_invoice_threshold_business_days business days after
-- completion), the share invoiced within the threshold.
-- Billing leakage: open exceptions of reconciliation.finance_exceptions, impact in the reporting currency:
-- signed sum and gross (sum of absolute values), by exception type and 'all'.
{%- set reporting = reporting_currency_literal() %}
{%- set threshold = config_number_var('milestone_invoice_threshold_business_days') %}
with contracts as (
    select * from {{ ref('dim_contracts') }}
),

amendments as (
    select *
    from {{ ref('fct_contract_amendments') }}
    where status = {{ clm_approved_status() }} and version_number is not null and contract_key is not null
),

calendar as (
    select date_day, business_day_number from {{ ref('all_dates') }}
),

as_of as (
    select business_day_number from calendar where date_day = {{ as_of_date() }}
),

-- amendment propagation (a): the PSA rate card -------------------------------------------------------------
amendment_rates as (
    select
        rates.contract_key,
        rates.amendment_key,
        rates.role,
        rates.bill_rate_amount
    from {{ ref('fct_contract_rates') }} as rates
    inner join amendments on amendments.amendment_key = rates.amendment_key
    inner join contracts
        on contracts.contract_key = rates.contract_key and contracts.billing_model = 'time_and_materials'
),

amendment_role_counts as (
    select amendment_key, count(*) as role_count
    from amendment_rates
    group by amendment_key
),

contract_cards as (
    select contract_key, project_key, psa_rate_card_id
    from {{ ref('dim_projects') }}
    where contract_key is not null and psa_rate_card_id is not null
),

card_versions as (
    select rate_card_id, rate_card_version_id, default_rate_amount, created_at
    from {{ ref('stg_kantata__rate_card_versions') }}
),

card_roles as (
    select
        card_roles.rate_card_version_id,
        roles.role,
        card_roles.rate_amount,
        coalesce(card_roles.updated_at, card_roles.created_at) as changed_at
    from {{ ref('stg_kantata__rate_card_roles') }} as card_roles
    inner join {{ ref('stg_kantata__roles') }} as roles on roles.role_id = card_roles.role_id
),

version_matches as (  -- per change order × project × card version: how many of its roles carry its rate
    select
        amendment_rates.amendment_key,
        contract_cards.project_key,
        card_versions.rate_card_version_id,
        max(card_versions.created_at) as version_created_at,
        max(card_roles.changed_at) as roles_changed_at,
        sum(case when coalesce(card_roles.rate_amount, card_versions.default_rate_amount)
            = amendment_rates.bill_rate_amount then 1 else 0 end) as matching_roles
    from amendment_rates
    inner join contract_cards on contract_cards.contract_key = amendment_rates.contract_key
    inner join card_versions on card_versions.rate_card_id = contract_cards.psa_rate_card_id
    left join card_roles
        on card_roles.rate_card_version_id = card_versions.rate_card_version_id
        and card_roles.role = amendment_rates.role
    group by amendment_rates.amendment_key, contract_cards.project_key, card_versions.rate_card_version_id
),

project_reflections as (
    select
        version_matches.amendment_key,
        version_matches.project_key,
        min(case when version_matches.roles_changed_at > version_matches.version_created_at
            then version_matches.roles_changed_at else version_matches.version_created_at end) as reflected_at
    from version_matches
    inner join amendment_role_counts on amendment_role_counts.amendment_key = version_matches.amendment_key
    where version_matches.matching_roles = amendment_role_counts.role_count
    group by version_matches.amendment_key, version_matches.project_key
),

psa_targets as (
    select
        amendments.amendment_key,
        amendments.approved_at,
        amendments.effective_date,
        count(contract_cards.project_key) as card_projects,
        count(project_reflections.project_key) as reflecting_projects,
        max(project_reflections.reflected_at) as reflected_at
    from amendments
    inner join amendment_role_counts on amendment_role_counts.amendment_key = amendments.amendment_key
    left join contract_cards on contract_cards.contract_key = amendments.contract_key
    left join project_reflections
        on project_reflections.amendment_key = amendments.amendment_key
        and project_reflections.project_key = contract_cards.project_key
    group by amendments.amendment_key, amendments.approved_at, amendments.effective_date
),

-- amendment propagation (b): the ERP billing schedule ------------------------------------------------------
erp_amendments as (
    select amendments.*
    from amendments
    inner join contracts
        on contracts.contract_key = amendments.contract_key and contracts.billing_model in ('fixed_fee', 'retainer')
),

expected as (
    select * from {{ ref('int_billing_lines_expected') }}
),

desired as (
    select * from {{ ref('int_billing_lines_desired') }}
),

erp_lines as (
    select * from {{ ref('fct_billing_schedule_lines') }}
),

erp_open_lines as (
    select contract_key, line_key, line_amount, line_date
    from erp_lines
    where status <> 'invoiced'
),

erp_invoiced_lines as (
    select contract_key, line_key, sum(line_amount) as invoiced_amount
    from erp_lines
    where status = 'invoiced'
    group by contract_key, line_key
),

erp_schedules as (
    select contract_key, max(last_modified_at) as last_modified_at
    from erp_lines
    where contract_key is not null
    group by contract_key
),

removed_milestones as (  -- removed by a change order and not stated again later
    select distinct
        terms.amendment_key,
        terms.contract_key,
        terms.clm_contract_id || '-' || terms.milestone_code as line_key
    from {{ ref('int_contract_terms_versioned') }} as terms
    left join expected
        on expected.contract_key = terms.contract_key
        and expected.line_key = terms.clm_contract_id || '-' || terms.milestone_code
    where terms.term_kind = 'milestone_removed' and terms.is_removed and expected.line_key is null
),

erp_checks as (
    select  -- desired lines it caused (expected, adjustments, and credits of the milestones it removed)
        desired.amendment_key,
        case when erp_open_lines.line_amount = desired.line_amount
            and (desired.line_kind <> 'expected' or erp_open_lines.line_date = desired.line_date)
            then 1 else 0 end as is_reflected
    from desired
    left join erp_open_lines
        on erp_open_lines.contract_key = desired.contract_key and erp_open_lines.line_key = desired.line_key
    where desired.amendment_key is not null

    union all
    select
        expected.amendment_key,
        1
    from expected
    inner join erp_invoiced_lines
        on erp_invoiced_lines.contract_key = expected.contract_key
        and erp_invoiced_lines.line_key = expected.line_key
        and erp_invoiced_lines.invoiced_amount = expected.expected_amount
    where expected.amendment_key is not null

    union all
    select
        removed_milestones.amendment_key,
        case when erp_open_lines.line_key is null then 1 else 0 end
    from removed_milestones
    left join erp_open_lines
        on erp_open_lines.contract_key = removed_milestones.contract_key
        and erp_open_lines.line_key = removed_milestones.line_key

),

erp_targets as (
    select
        erp_amendments.amendment_key,
        erp_amendments.approved_at,
        erp_amendments.effective_date,
        min(erp_checks.is_reflected) as all_reflected,
        max(erp_schedules.last_modified_at) as last_modified_at
    from erp_amendments
    inner join erp_checks on erp_checks.amendment_key = erp_amendments.amendment_key
    left join erp_schedules on erp_schedules.contract_key = erp_amendments.contract_key
    group by erp_amendments.amendment_key, erp_amendments.approved_at, erp_amendments.effective_date
),

propagations as (
    select
        'psa_rate_card' as target,
        amendment_key,
        approved_at,
        effective_date,
        case when card_projects > 0 and reflecting_projects = card_projects then reflected_at end as reflected_at,
        card_projects > 0 and reflecting_projects = card_projects as is_propagated
    from psa_targets

    union all
    select
        'erp_billing_schedule',
        amendment_key,
        approved_at,
        effective_date,
        case when all_reflected = 1 then last_modified_at end,
        all_reflected = 1
    from erp_targets
),

propagation_times as (
    select
        target,
        {{ month_start('coalesce(' ~ delivery_utc_date('approved_at') ~ ', effective_date)') }} as kpi_month,
        is_propagated,
        case when reflected_at is null then null
            when reflected_at <= approved_at then cast(0 as {{ money_type() }})
            else {{ exact_ratio(dbt.datediff('approved_at', 'reflected_at', 'second'), '86400', 4) }}
        end as propagation_days
    from propagations
),

propagation_kpis as (
    select kpi_month, 'amendment_propagation_days_p50' as kpi_name, target as kpi_dimension, 'days' as kpi_unit,
        cast({{ percentile_cont('propagation_days', 0.5) }} as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from propagation_times where propagation_days is not null group by kpi_month, target
    union all
    select kpi_month, 'amendment_propagation_days_p90', target, 'days',
        cast({{ percentile_cont('propagation_days', 0.9) }} as {{ money_type() }}), count(*)
    from propagation_times where propagation_days is not null group by kpi_month, target
    union all
    select kpi_month, 'amendment_propagation_days_max', target, 'days',
        cast(max(propagation_days) as {{ money_type() }}), count(*)
    from propagation_times where propagation_days is not null group by kpi_month, target
    union all
    select kpi_month, 'amendments_not_propagated', target, 'count',
        cast(sum(case when is_propagated then 0 else 1 end) as {{ money_type() }}), count(*)
    from propagation_times group by kpi_month, target
),

-- invoice readiness lag and milestone-to-billing conversion ------------------------------------------------
invoice_lines as (
    select contract_key, line_key, invoice_date
    from {{ ref('fct_invoice_lines') }}
    where line_key is not null and invoice_date is not null
),

milestone_invoices as (
    select line_key, min(invoice_date) as invoice_date
    from invoice_lines
    group by line_key
),

completed_milestones as (
    select
        milestones.milestone_id,
        min(completions.completed_date) as completed_date
    from {{ ref('fct_contract_milestones') }} as milestones
    inner join contracts
        on contracts.contract_key = milestones.contract_key and contracts.billing_model = 'fixed_fee'
    inner join {{ ref('fct_milestone_completions') }} as completions
        on completions.milestone_id = milestones.milestone_id and completions.completed_date is not null
    group by milestones.milestone_id
),

milestone_lags as (
    select
        {{ month_start('completed_milestones.completed_date') }} as kpi_month,
        milestone_invoices.invoice_date,
        case when milestone_invoices.invoice_date is not null then
            {{ dbt.datediff('completed_milestones.completed_date', 'milestone_invoices.invoice_date', 'day') }}
        end as lag_days,
        as_of.business_day_number - completed_day.business_day_number > {{ threshold }} as is_window_closed,
        coalesce(invoiced_day.business_day_number - completed_day.business_day_number <= {{ threshold }}, false)
            as is_invoiced_within_threshold
    from completed_milestones
    left join milestone_invoices on milestone_invoices.line_key = completed_milestones.milestone_id
    left join calendar as completed_day on completed_day.date_day = completed_milestones.completed_date
    left join calendar as invoiced_day on invoiced_day.date_day = milestone_invoices.invoice_date
    cross join as_of
    where completed_milestones.completed_date <= {{ as_of_date() }}
),

tm_periods as (  -- contract × month worked with billable time, ended by the as-of date
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
        period_start_date as kpi_month,
        invoice_date,
        case when invoice_date is not null then
            {{ dbt.datediff('period_end_date', 'invoice_date', 'day') }}
        end as lag_days
    from tm_period_invoices
    where period_end_date < {{ as_of_date() }} or invoice_date is not null
),

readiness as (
    select 'milestone' as lag_kind, kpi_month, invoice_date, lag_days from milestone_lags
    union all
    select 'time_and_materials', kpi_month, invoice_date, lag_days from tm_lags
),

readiness_kpis as (
    select kpi_month, 'invoice_readiness_lag_days_p50' as kpi_name, lag_kind as kpi_dimension, 'days' as kpi_unit,
        cast({{ percentile_cont('lag_days', 0.5) }} as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from readiness where lag_days is not null group by kpi_month, lag_kind
    union all
    select kpi_month, 'invoice_readiness_lag_days_p90', lag_kind, 'days',
        cast({{ percentile_cont('lag_days', 0.9) }} as {{ money_type() }}), count(*)
    from readiness where lag_days is not null group by kpi_month, lag_kind
    union all
    select kpi_month, 'invoice_readiness_pending', lag_kind, 'count',
        cast(sum(case when invoice_date is null then 1 else 0 end) as {{ money_type() }}), count(*)
    from readiness group by kpi_month, lag_kind
),

conversion_kpis as (
    select kpi_month, 'milestone_to_billing_conversion_rate' as kpi_name, 'all' as kpi_dimension,
        'ratio' as kpi_unit,
        cast({{ exact_ratio('sum(case when is_invoiced_within_threshold then 1 else 0 end)', 'count(*)', 4) }}
            as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from milestone_lags where is_window_closed group by kpi_month
    union all
    select kpi_month, 'milestones_invoiced_within_threshold', 'all', 'count',
        cast(sum(case when is_invoiced_within_threshold then 1 else 0 end) as {{ money_type() }}), count(*)
    from milestone_lags where is_window_closed group by kpi_month
),

-- billing leakage ------------------------------------------------------------------------------------------
open_exceptions as (
    select exception_type, impact_amount_reporting
    from {{ ref('finance_exceptions') }}
    where status = 'open'
),

leakage_by_type as (
    select exception_type as kpi_dimension, impact_amount_reporting from open_exceptions
    union all
    select 'all', impact_amount_reporting from open_exceptions
),

leakage_kpis as (
    select {{ month_start(as_of_date()) }} as kpi_month, 'billing_leakage_amount' as kpi_name, kpi_dimension,
        'money' as kpi_unit, cast(coalesce(sum(impact_amount_reporting), 0) as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from leakage_by_type group by kpi_dimension
    union all
    select {{ month_start(as_of_date()) }}, 'billing_leakage_gross_amount', kpi_dimension, 'money',
        cast(coalesce(sum(case when impact_amount_reporting < 0 then -impact_amount_reporting
            else impact_amount_reporting end), 0) as {{ money_type() }}), count(*)
    from leakage_by_type group by kpi_dimension
),

kpis as (
    select * from propagation_kpis
    union all
    select * from readiness_kpis
    union all
    select * from conversion_kpis
    union all
    select * from leakage_kpis
)

select
    -- ids
    cast({{ surrogate_key('kpi',
        "cast(kpis.kpi_month as " ~ dbt.type_string() ~ ") || '|' || kpis.kpi_name || '|' || kpis.kpi_dimension") }}
        as {{ dbt.type_string() }}) as kpi_key,

    -- attributes
    cast(kpis.kpi_name as {{ dbt.type_string() }}) as kpi_name,
    cast(kpis.kpi_dimension as {{ dbt.type_string() }}) as kpi_dimension,
    cast(kpis.kpi_unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(kpis.observation_count as integer) as observation_count,

    -- amounts
    cast(kpis.kpi_value as {{ money_type() }}) as kpi_value,
    cast(case when kpis.kpi_unit = 'money' then {{ reporting }} end as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(kpis.kpi_month as date) as kpi_month,
    cast({{ as_of_date() }} as date) as as_of_date
from kpis
