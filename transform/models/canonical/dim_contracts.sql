-- One row per contract (MSA or SOW) in the CLM: billing model, currency, dates, value, approval, the
-- current version number, and the not-to-exceed cap and retainer fee in force on the as-of date (null
-- when none is: e.g. a contract starting after the as-of date; the fee only for retainers).
-- customer_key is computed from the CRM account id the contract names (not joined), so a contract whose
-- account does not exist keeps its key and the coverage rules find it missing from dim_customers.
with records as (
    select * from {{ ref('int_contract_records_pivoted') }}
),

contracts as (
    select * from records
    where record_type in ({{ clm_contract_record_types() }})
),

versions as (
    select
        contract_key,
        max(version_number) as current_version_number
    from {{ ref('int_contract_versions') }}
    group by contract_key
),

fee_and_cap_in_force as (
    select * from {{ ref('int_contract_fee_and_cap_versions') }}
    where effective_from <= {{ as_of_date() }}
        and (effective_to is null or effective_to > {{ as_of_date() }})
),

msas as (
    select
        clm_record_id,
        clm_contract_id
    from records
    where record_type = 'msa'
)

select
    -- ids
    {{ surrogate_key('contract', 'contracts.clm_contract_id') }} as contract_key,
    contracts.clm_contract_id,
    contracts.clm_record_id,
    {{ surrogate_key('customer', 'contracts.crm_account_id') }} as customer_key,
    contracts.crm_account_id,
    contracts.crm_opportunity_id,
    {{ surrogate_key('contract', 'msa.clm_contract_id') }} as msa_contract_key,

    -- attributes
    cast(contracts.record_type as {{ dbt.type_string() }}) as contract_type,
    cast(contracts.record_name as {{ dbt.type_string() }}) as contract_name,
    cast(contracts.billing_model as {{ dbt.type_string() }}) as billing_model,
    cast(contracts.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(contracts.approval_status as {{ dbt.type_string() }}) as status,
    cast(contracts.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
    cast(coalesce(versions.current_version_number, 0) as integer) as current_version_number,

    -- amounts
    cast(contracts.contract_value_amount as {{ money_type() }}) as contract_value_amount,
    cast(fee_and_cap_in_force.not_to_exceed_amount as {{ money_type() }}) as not_to_exceed_amount,
    cast(
        case when contracts.billing_model = 'retainer' then fee_and_cap_in_force.retainer_fee_amount end
        as {{ money_type() }}
    ) as retainer_fee_amount,

    -- dates
    contracts.start_date,
    contracts.end_date,
    contracts.signed_date,
    contracts.approved_at,
    contracts.last_updated_at as clm_last_updated_at

from contracts
left join versions
    on versions.contract_key = {{ surrogate_key('contract', 'contracts.clm_contract_id') }}
left join fee_and_cap_in_force
    on fee_and_cap_in_force.contract_key = {{ surrogate_key('contract', 'contracts.clm_contract_id') }}
left join msas as msa
    on msa.clm_record_id = contracts.clm_linked_record_id
