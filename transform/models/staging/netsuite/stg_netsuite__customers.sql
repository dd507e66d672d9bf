-- One row per NetSuite customer. externalId carries the CRM Account Id (the CRM <-> ERP customer link).
-- The currency is a NetSuite internal id; its ISO code is looked up in the currency list here, so that
-- nothing downstream needs the ERP's ids to know a customer's currency.
with source as (
    select * from {{ source('netsuite', 'customer') }}
),

currencies as (
    select id, symbol from {{ source('netsuite', 'currency') }}
),

renamed as (
    select
        -- ids
        source.id as erp_customer_id,
        source.externalid as crm_account_id,
        source.entityid as erp_entity_id,
        source.subsidiary as erp_subsidiary_id,
        source.currency as erp_currency_id,

        -- attributes
        source.companyname as customer_name,
        source.billcountry as country_code,
        source.custentity_c2c_region as region,
        currencies.symbol as currency_code,
        source.isinactive as is_inactive,

        -- dates
        source.datecreated as created_at,
        source.lastmodifieddate as last_modified_at

    from source
    left join currencies on currencies.id = source.currency
)

select * from renamed
