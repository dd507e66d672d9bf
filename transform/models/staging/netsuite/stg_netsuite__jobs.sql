-- One row per NetSuite project (job). externalId carries the SOW's ironcladId (the contract <-> ERP
-- project link); the currency's ISO code is looked up in the currency list, as for customers.
with source as (
    select * from {{ source('netsuite', 'job') }}
),

currencies as (
    select id, symbol from {{ source('netsuite', 'currency') }}
),

renamed as (
    select
        -- ids
        source.id as erp_job_id,
        source.externalid as clm_contract_id,
        source.customer as erp_customer_id,
        source.parent as erp_parent_id,
        source.currency as erp_currency_id,

        -- attributes
        source.entityid as job_code,
        source.companyname as job_name,
        source.jobbillingtype as job_billing_type,
        currencies.symbol as currency_code,
        source.isinactive as is_inactive,

        -- dates
        source.startdate as start_date,
        source.projectedenddate as projected_end_date,
        source.datecreated as created_at,
        source.lastmodifieddate as last_modified_at

    from source
    left join currencies on currencies.id = source.currency
)

select * from renamed
