-- One row per NetSuite customer. externalId carries the CRM Account Id (the CRM <-> ERP customer link).
-- The currency is a NetSuite internal id (int_erp_customers_joined_to_currencies adds its ISO code).
with source as (
    select * from {{ source('netsuite', 'customer') }}
),

renamed as (
    select
        -- ids
        id as erp_customer_id,
        externalid as crm_account_id,
        entityid as erp_entity_id,
        subsidiary as erp_subsidiary_id,
        currency as erp_currency_id,

        -- attributes
        companyname as customer_name,
        billcountry as country_code,
        custentity_c2c_region as region,
        isinactive as is_inactive,

        -- dates
        datecreated as created_at,
        lastmodifieddate as last_modified_at

    from source
)

select * from renamed
