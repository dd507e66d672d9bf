-- Every break found by the rules in this run (and every unresolved write-back failure), in one shape: the type,
-- its grain (the ids of each system involved plus a grain key), the contract currency and the impact.
-- exception_id is a hash of the type and the grain, so the same break has the same id in every run.
{%- set text = dbt.type_string() %}
with breaks as (
    select
        'time_at_superseded_rate' as exception_type,
        contract_key,
        customer_key,
        clm_contract_id,
        psa_time_entry_id as psa_record_id,
        cast(null as {{ text }}) as erp_record_id,
        cast(null as {{ text }}) as crm_record_id,
        cast(null as {{ text }}) as grain_key,
        currency_code,
        impact_amount,
        billing_state as detail
    from {{ ref('recon_time_at_superseded_rates') }}

    union all
    select
        'milestone_not_invoiced',
        contract_key,
        customer_key,
        clm_contract_id,
        psa_story_id,
        null,
        null,
        milestone_id,
        currency_code,
        impact_amount,
        cast(business_days_since_completion as {{ text }}) || ' business days since completion'
    from {{ ref('recon_milestones_not_invoiced') }}

    union all
    select
        'billing_schedule_drift',
        contract_key,
        customer_key,
        clm_contract_id,
        null,
        erp_billing_schedule_id,
        null,
        null,
        currency_code,
        impact_amount,
        cast(differing_lines as {{ text }}) || ' line(s) differ'
    from {{ ref('recon_billing_schedule_drift') }}

    union all
    select
        'over_cap',
        contract_key,
        customer_key,
        clm_contract_id,
        null,
        null,
        null,
        null,
        currency_code,
        impact_amount,
        'delivered ' || cast(delivered_amount as {{ text }})
    from {{ ref('recon_over_cap') }}

    union all
    select
        'contract_without_project',
        contract_key,
        customer_key,
        clm_contract_id,
        null,
        null,
        null,
        null,
        currency_code,
        cast(0 as {{ money_type() }}),
        billing_model
    from {{ ref('recon_contracts_without_projects') }}

    union all
    select
        'project_without_contract',
        null,
        null,
        null,
        psa_project_id,
        null,
        null,
        null,
        currency_code,
        cast(0 as {{ money_type() }}),
        project_name
    from {{ ref('recon_projects_without_contracts') }}

    union all
    select
        'rate_card_mismatch',
        contract_key,
        customer_key,
        clm_contract_id,
        psa_project_id,
        null,
        null,
        role,
        currency_code,
        cast(0 as {{ money_type() }}),
        'PSA ' || cast(psa_bill_rate_amount as {{ text }})
        || ' vs contract ' || cast(contract_bill_rate_amount as {{ text }})
    from {{ ref('recon_rate_card_mismatches') }}

    union all
    select
        'unmatched_entity',
        contract_key,
        customer_key,
        clm_contract_id,
        psa_record_id,
        erp_record_id,
        crm_record_id,
        entity,
        currency_code,
        cast(0 as {{ money_type() }}),
        reason
    from {{ ref('recon_unmatched_entities') }}

    union all
    select
        'revenue_vs_delivery',
        contract_key,
        customer_key,
        clm_contract_id,
        null,
        erp_project_id,
        null,
        revenue_month_key,
        currency_code,
        impact_amount,
        'posted ' || cast(posted_amount as {{ text }}) || ', earned ' || cast(earned_amount as {{ text }})
    from {{ ref('recon_revenue_vs_delivery') }}

    union all
    select
        'invalid_psa_record',
        contract_key,
        customer_key,
        clm_contract_id,
        psa_record_id,
        null,
        null,
        record_type,
        currency_code,
        cast(0 as {{ money_type() }}),
        reason || ': ' || detail || case when is_excluded then ' (kept out of the rules)' else '' end
    from {{ ref('recon_invalid_psa_records') }}

    union all
    select
        exception_type,
        contract_key,
        customer_key,
        clm_contract_id,
        null,
        schedule_external_id,
        null,
        item_key,
        currency_code,
        impact_amount,
        op || ' ' || line_key || ': '
        || case
            when exception_type = 'write_conflict'
                then 'the ERP schedule changed since the plan; review and re-plan'
            else 'rejected ' || cast(rejection_count as {{ text }}) || ' time(s): '
                || coalesce(substr(detail, 1, 300), '')
        end
    from {{ ref('recon_write_failures') }}
)

select
    {{ dbt.hash(
        "breaks.exception_type || '|' || coalesce(breaks.clm_contract_id, '') || '|' || coalesce(breaks.psa_record_id, '')"
        ~ " || '|' || coalesce(breaks.erp_record_id, '') || '|' || coalesce(breaks.crm_record_id, '')"
        ~ " || '|' || coalesce(breaks.grain_key, '')"
    ) }} as exception_id,
    breaks.*
from breaks
