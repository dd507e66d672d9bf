-- One row per ERP project (NetSuite job) with the SOW it carries: job.externalId = the SOW's ironcladId.
-- The one place the ERP documents (schedules, invoices, payments, journals) get their contract from; a job
-- without an external id keeps a null clm_contract_id, one pointing to a missing SOW keeps its id.
with jobs as (
    select * from {{ ref('stg_netsuite__jobs') }}
)

select
    cast(erp_job_id as {{ dbt.type_string() }}) as erp_job_id,
    cast(clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(erp_customer_id as {{ dbt.type_string() }}) as erp_customer_id,
    cast(currency_code as {{ dbt.type_string() }}) as currency_code
from jobs
