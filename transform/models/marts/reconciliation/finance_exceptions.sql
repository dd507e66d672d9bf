{{
    config(
        materialized='incremental',
        unique_key='exception_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- The finance exception queue: one row per break, ever. History is kept in this incremental model rather
-- than a snapshot: each run merges the breaks found now with the rows already here — a break found again
-- keeps its exception_id and first_seen_at and gets a new last_seen_at; a break no longer found is marked
-- resolved (resolved_at set once); a resolved break that comes back is open again, same id.
with current_breaks as (
    select * from {{ ref('int_exceptions_current') }}
),

now_seen as (
    select
        current_breaks.*,
        {{ round_money(
            "current_breaks.impact_amount * case when current_breaks.currency_code = " ~ reporting_currency_literal()
            ~ " then 1 else fx.rate_to_reporting end", reporting_currency_literal()) }} as impact_amount_reporting,
        case
            when current_breaks.exception_type in (
                    'billing_schedule_drift', 'over_cap', 'milestone_not_invoiced',
                    'write_conflict', 'write_rejected'
                ) then 'high'
            when current_breaks.exception_type in (
                    'time_at_superseded_rate', 'revenue_vs_delivery', 'invalid_psa_record'
                ) then 'medium'
            else 'low'
        end as severity,
        case
            when current_breaks.exception_type in ('unmatched_entity', 'write_rejected') then 'integration'
            when current_breaks.exception_type in (
                    'rate_card_mismatch', 'contract_without_project',
                    'project_without_contract', 'invalid_psa_record'
                ) then 'delivery'
            else 'finance'
        end as owner_team,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as seen_at
    from current_breaks
    -- the rate to the reporting currency in force on the as-of date (the latest rate on or before it)
    {{ left_join_fx_rate_in_force('fx', 'current_breaks.currency_code', as_of_date()) }}
)

{% if is_incremental() %}
, previous as (
    select * from {{ this }}
)

select
    coalesce(now_seen.exception_id, previous.exception_id) as exception_id,
    coalesce(now_seen.exception_type, previous.exception_type) as exception_type,
    coalesce(now_seen.severity, previous.severity) as severity,
    coalesce(now_seen.owner_team, previous.owner_team) as owner_team,
    coalesce(now_seen.customer_key, previous.customer_key) as customer_key,
    coalesce(now_seen.contract_key, previous.contract_key) as contract_key,
    coalesce(now_seen.clm_contract_id, previous.clm_contract_id) as clm_contract_id,
    coalesce(now_seen.psa_record_id, previous.psa_record_id) as psa_record_id,
    coalesce(now_seen.erp_record_id, previous.erp_record_id) as erp_record_id,
    coalesce(now_seen.crm_record_id, previous.crm_record_id) as crm_record_id,
    coalesce(now_seen.grain_key, previous.grain_key) as grain_key,
    coalesce(now_seen.currency_code, previous.currency_code) as currency_code,
    coalesce(now_seen.impact_amount, previous.impact_amount) as impact_amount,
    coalesce(now_seen.impact_amount_reporting, previous.impact_amount_reporting) as impact_amount_reporting,
    coalesce(now_seen.detail, previous.detail) as detail,
    coalesce(previous.first_seen_at, now_seen.seen_at) as first_seen_at,
    coalesce(now_seen.seen_at, previous.last_seen_at) as last_seen_at,
    case when now_seen.exception_id is null then 'resolved' else 'open' end as status,
    case when now_seen.exception_id is null then coalesce(previous.resolved_at, cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)) end as resolved_at
from now_seen
full outer join previous on previous.exception_id = now_seen.exception_id
{% else %}
    select
        exception_id,
        exception_type,
        severity,
        owner_team,
        customer_key,
        contract_key,
        clm_contract_id,
        psa_record_id,
        erp_record_id,
        crm_record_id,
        grain_key,
        currency_code,
        impact_amount,
        impact_amount_reporting,
        detail,
        seen_at as first_seen_at,
        seen_at as last_seen_at,
        'open' as status,
        cast(null as timestamp) as resolved_at
    from now_seen
{% endif %}
