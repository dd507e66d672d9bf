-- One row per NetSuite project (job). externalId carries the SOW's ironcladId (the contract <-> ERP
-- project link). The currency is a NetSuite internal id (int_erp_jobs_linked_to_contracts adds its ISO code).
with source as (
    select * from {{ source('netsuite', 'job') }}
),

renamed as (
    select
        -- ids
        id as erp_job_id,
        externalid as clm_contract_id,
        customer as erp_customer_id,
        parent as erp_parent_id,
        currency as erp_currency_id,

        -- attributes
        entityid as job_code,
        companyname as job_name,
        jobbillingtype as job_billing_type,
        isinactive as is_inactive,

        -- dates
        startdate as start_date,
        projectedenddate as projected_end_date,
        datecreated as created_at,
        lastmodifieddate as last_modified_at

    from source
)

select * from renamed
