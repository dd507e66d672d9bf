-- One row per ERP project (NetSuite job) with the SOW it carries: job.externalId = the SOW's ironcladId.
-- The one place the ERP documents (schedules, invoices, payments, journals) get their contract from; a job
-- without an external id keeps a null clm_contract_id, one pointing to a missing SOW keeps its id. The job's
-- currency is NetSuite's internal id; its ISO code comes from the ERP currency list.
with jobs as (
    select * from {{ ref('stg_netsuite__jobs') }}
),

currencies as (
    select
        currency_id,
        currency_code
    from {{ ref('stg_netsuite__currencies') }}
)

select
    cast(jobs.erp_job_id as {{ dbt.type_string() }}) as erp_job_id,
    cast(jobs.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(jobs.erp_customer_id as {{ dbt.type_string() }}) as erp_customer_id,
    cast(currencies.currency_code as {{ dbt.type_string() }}) as currency_code
from jobs
left join currencies on currencies.currency_id = jobs.erp_currency_id
