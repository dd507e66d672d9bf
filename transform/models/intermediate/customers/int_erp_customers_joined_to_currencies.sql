-- One row per ERP customer (NetSuite) with the ISO 4217 code of its currency, looked up in the ERP currency
-- list (the customer carries only NetSuite's internal currency id). A currency id missing from the list
-- gives a null currency_code; the customer is kept.
with customers as (
    select * from {{ ref('stg_netsuite__customers') }}
),

currencies as (
    select
        currency_id,
        currency_code
    from {{ ref('stg_netsuite__currencies') }}
)

select
    customers.erp_customer_id,
    customers.crm_account_id,
    customers.erp_entity_id,
    customers.erp_subsidiary_id,
    customers.erp_currency_id,
    customers.customer_name,
    customers.country_code,
    customers.region,
    currencies.currency_code,
    customers.is_inactive,
    customers.created_at,
    customers.last_modified_at
from customers
left join currencies on currencies.currency_id = customers.erp_currency_id
