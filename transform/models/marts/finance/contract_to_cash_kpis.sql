-- Grain: one row per month × KPI × dimension (long format: kpi_name says what is measured, kpi_dimension the
-- breakdown, 'all' when there is none). The month is the month the measured clock STARTS (cohort): the CLM
-- approval of an amendment, the completion of a milestone, the T&M period worked; billing leakage is a
-- point-in-time figure and sits in the as-of month. A statistic with nothing to measure has no row.
-- Aggregation only: each measure is a rule of its own model —
--   amendment propagation: int_amendment_propagations_timed (reflection in the PSA rate cards:
--     int_amendments_reflected_in_psa; in the ERP billing schedule: int_amendments_reflected_in_erp);
--   invoice readiness lag: int_invoice_readiness_lags (milestone and time_and_materials);
--   milestone-to-billing conversion: int_milestones_invoiced_within_threshold;
--   billing leakage: the open exceptions of reconciliation.finance_exceptions, impact in the reporting
--     currency, signed sum and gross (sum of absolute values), by exception type and 'all'.
{%- set reporting = reporting_currency_literal() %}
with propagation_times as (
    select
        target,
        approval_month as kpi_month,
        is_propagated,
        propagation_days
    from {{ ref('int_amendment_propagations_timed') }}
),

readiness as (
    select
        lag_kind,
        clock_start_month as kpi_month,
        invoice_date,
        lag_days
    from {{ ref('int_invoice_readiness_lags') }}
),

conversions as (
    select
        completion_month as kpi_month,
        is_invoiced_within_threshold
    from {{ ref('int_milestones_invoiced_within_threshold') }}
    where is_window_closed
),

open_exceptions as (
    select
        exception_type,
        impact_amount_reporting
    from {{ ref('finance_exceptions') }}
    where status = 'open'
),

propagation_kpis as (
    select
        kpi_month,
        'amendment_propagation_days_p50' as kpi_name,
        target as kpi_dimension,
        'days' as kpi_unit,
        cast({{ percentile_cont('propagation_days', 0.5) }} as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from propagation_times
    where propagation_days is not null
    group by kpi_month, target
    union all
    select
        kpi_month,
        'amendment_propagation_days_p90',
        target,
        'days',
        cast({{ percentile_cont('propagation_days', 0.9) }} as {{ money_type() }}),
        count(*)
    from propagation_times
    where propagation_days is not null
    group by kpi_month, target
    union all
    select
        kpi_month,
        'amendment_propagation_days_max',
        target,
        'days',
        cast(max(propagation_days) as {{ money_type() }}),
        count(*)
    from propagation_times
    where propagation_days is not null
    group by kpi_month, target
    union all
    select
        kpi_month,
        'amendments_not_propagated',
        target,
        'count',
        cast(sum(case when is_propagated then 0 else 1 end) as {{ money_type() }}),
        count(*)
    from propagation_times
    group by kpi_month, target
),

readiness_kpis as (
    select
        kpi_month,
        'invoice_readiness_lag_days_p50' as kpi_name,
        lag_kind as kpi_dimension,
        'days' as kpi_unit,
        cast({{ percentile_cont('lag_days', 0.5) }} as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from readiness
    where lag_days is not null
    group by kpi_month, lag_kind
    union all
    select
        kpi_month,
        'invoice_readiness_lag_days_p90',
        lag_kind,
        'days',
        cast({{ percentile_cont('lag_days', 0.9) }} as {{ money_type() }}),
        count(*)
    from readiness
    where lag_days is not null
    group by kpi_month, lag_kind
    union all
    select
        kpi_month,
        'invoice_readiness_pending',
        lag_kind,
        'count',
        cast(sum(case when invoice_date is null then 1 else 0 end) as {{ money_type() }}),
        count(*)
    from readiness
    group by kpi_month, lag_kind
),

conversion_kpis as (
    select
        kpi_month,
        'milestone_to_billing_conversion_rate' as kpi_name,
        'all' as kpi_dimension,
        'ratio' as kpi_unit,
        cast(
            {{ exact_ratio('sum(case when is_invoiced_within_threshold then 1 else 0 end)', 'count(*)', 4) }}
            as {{ money_type() }}
        ) as kpi_value,
        count(*) as observation_count
    from conversions
    group by kpi_month
    union all
    select
        kpi_month,
        'milestones_invoiced_within_threshold',
        'all',
        'count',
        cast(sum(case when is_invoiced_within_threshold then 1 else 0 end) as {{ money_type() }}),
        count(*)
    from conversions
    group by kpi_month
),

leakage_by_type as (
    select
        exception_type as kpi_dimension,
        impact_amount_reporting
    from open_exceptions
    union all
    select
        'all',
        impact_amount_reporting
    from open_exceptions
),

leakage_kpis as (
    select
        {{ month_start(as_of_date()) }} as kpi_month,
        'billing_leakage_amount' as kpi_name,
        kpi_dimension,
        'money' as kpi_unit,
        cast(coalesce(sum(impact_amount_reporting), 0) as {{ money_type() }}) as kpi_value,
        count(*) as observation_count
    from leakage_by_type
    group by kpi_dimension
    union all
    select
        {{ month_start(as_of_date()) }},
        'billing_leakage_gross_amount',
        kpi_dimension,
        'money',
        cast(coalesce(sum(case when impact_amount_reporting < 0 then -impact_amount_reporting
            else impact_amount_reporting
        end), 0) as {{ money_type() }}),
        count(*)
    from leakage_by_type
    group by kpi_dimension
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
    cast(
        {{ surrogate_key('kpi',
        "cast(kpis.kpi_month as " ~ dbt.type_string() ~ ") || '|' || kpis.kpi_name || '|' || kpis.kpi_dimension") }}
        as {{ dbt.type_string() }}
    ) as kpi_key,

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
