-- One row per record whose cross-system link is missing or points to no record (CONTRACT_TO_CASH.md
-- "Unmatched entity"), and per billable time entry of a time-and-materials contract that cannot be priced
-- (no rate in force for its role on its date). Reported, never dropped. `entity` says what the record is.
with live_accounts as (
    select crm_account_id from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted
),

contracts as (
    select * from {{ ref('dim_contracts') }}
),

projects as (
    select * from {{ ref('dim_projects') }}
),

unpriced_time as (
    select
        'time_entry' as entity,
        contracts.contract_key,
        contracts.customer_key,
        contracts.clm_contract_id,
        entries.psa_time_entry_id as psa_record_id,
        cast(null as {{ dbt.type_string() }}) as erp_record_id,
        cast(null as {{ dbt.type_string() }}) as crm_record_id,
        contracts.currency_code,
        'no contract rate in force for role '
        || entries.role
        || ' on '
        || cast(entries.work_date as {{ dbt.type_string() }}) as reason
    from {{ ref('fct_time_entries') }} as entries
    inner join contracts on contracts.contract_key = entries.contract_key
    where entries.is_billable
        and contracts.billing_model = 'time_and_materials'
        and entries.contract_bill_rate_amount is null
),

projects_to_missing_contracts as (
    select
        'workspace',
        null,
        null,
        cast(null as {{ dbt.type_string() }}),
        projects.psa_project_id,
        null,
        null,
        projects.currency_code,
        'PSA project references contract ' || projects.clm_contract_id || ', which does not exist'
    from projects
    left join contracts on contracts.clm_contract_id = projects.clm_contract_id
    where projects.clm_contract_id is not null and contracts.contract_key is null
),

contracts_to_missing_accounts as (
    select
        'sow',
        contracts.contract_key,
        contracts.customer_key,
        contracts.clm_contract_id,
        null,
        null,
        null,
        contracts.currency_code,
        'contract references CRM account ' || coalesce(contracts.crm_account_id, '(none)') || ', which does not exist'
    from contracts
    left join live_accounts on live_accounts.crm_account_id = contracts.crm_account_id
    where live_accounts.crm_account_id is null
),

erp_customers_to_missing_accounts as (
    select
        'customer',
        null,
        null,
        cast(null as {{ dbt.type_string() }}),
        null,
        cast(customers.erp_customer_id as {{ dbt.type_string() }}),
        null,
        customers.currency_code,
        'ERP customer references CRM account '
        || coalesce(customers.crm_account_id, '(none)')
        || ', which does not exist'
    from {{ ref('int_erp_customers_joined_to_currencies') }} as customers
    left join live_accounts on live_accounts.crm_account_id = customers.crm_account_id
    where live_accounts.crm_account_id is null
),

erp_jobs_to_missing_contracts as (
    select
        'job',
        null,
        null,
        cast(null as {{ dbt.type_string() }}),
        null,
        cast(jobs.erp_job_id as {{ dbt.type_string() }}),
        null,
        jobs.currency_code,
        'ERP project references contract ' || coalesce(jobs.clm_contract_id, '(none)') || ', which does not exist'
    from {{ ref('int_erp_jobs_linked_to_contracts') }} as jobs
    left join contracts on contracts.clm_contract_id = jobs.clm_contract_id
    where contracts.contract_key is null
)

select * from unpriced_time
union all
select * from projects_to_missing_contracts
union all
select * from contracts_to_missing_accounts
union all
select * from erp_customers_to_missing_accounts
union all
select * from erp_jobs_to_missing_contracts
