-- One row per approved change order × system it must reach (target psa_rate_card: int_amendments_reflected_in_psa;
-- erp_billing_schedule: int_amendments_reflected_in_erp), with the time from its CLM approval until the system
-- reflects it: days with decimals (exact, 4 places), never below 0 — a system that already showed the change
-- before the approval counts as 0 days; null while not propagated. approval_month is the cohort the KPIs
-- report it in: the month of the approval's UTC date (of the effective date when no approval time is known).
with propagations as (
    select
        'psa_rate_card' as target,
        amendment_key,
        contract_key,
        approved_at,
        effective_date,
        is_reflected as is_propagated,
        reflected_at
    from {{ ref('int_amendments_reflected_in_psa') }}

    union all
    select
        'erp_billing_schedule',
        amendment_key,
        contract_key,
        approved_at,
        effective_date,
        is_reflected,
        reflected_at
    from {{ ref('int_amendments_reflected_in_erp') }}
)

select
    target,
    amendment_key,
    contract_key,
    approved_at,
    effective_date,
    {{ month_start('coalesce(' ~ delivery_utc_date('approved_at') ~ ', effective_date)') }} as approval_month,
    is_propagated,
    reflected_at,
    case when reflected_at is null then null
        when reflected_at <= approved_at then cast(0 as {{ money_type() }})
        else {{ exact_ratio(dbt.datediff('approved_at', 'reflected_at', 'second'), '86400', 4) }}
    end as propagation_days
from propagations
