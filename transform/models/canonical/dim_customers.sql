-- One row per customer, from the CRM (every Account, soft-deleted ones flagged) and the ERP (every
-- customer), matched on NetSuite customer.externalId = Salesforce Account.Id. customer_key comes from
-- the CRM account id when the CRM has the account, else from 'erp:' || the ERP customer id: an ERP
-- customer whose externalId is missing or points to no CRM account stays, under its ERP key.
with crm_accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

erp_customers as (
    select * from {{ ref('int_erp_customers_joined_to_currencies') }}
),

matched as (
    select
        crm_accounts.crm_account_id,
        erp_customers.erp_customer_id,
        erp_customers.crm_account_id as erp_external_id,
        coalesce(crm_accounts.account_name, erp_customers.customer_name) as customer_name,
        coalesce(crm_accounts.country_code, erp_customers.country_code) as country_code,
        erp_customers.region,
        coalesce(crm_accounts.currency_code, erp_customers.currency_code) as default_currency_code,
        coalesce(crm_accounts.is_deleted, false) as is_deleted_in_crm,
        erp_customers.is_inactive as is_inactive_in_erp,
        crm_accounts.crm_account_id is not null as has_crm_account,
        erp_customers.erp_customer_id is not null as has_erp_customer
    from crm_accounts
    full outer join erp_customers on erp_customers.crm_account_id = crm_accounts.crm_account_id
)

select
    -- ids
    {{ surrogate_key('customer', "coalesce(crm_account_id, 'erp:' || erp_customer_id)") }} as customer_key,
    crm_account_id,
    erp_customer_id,
    erp_external_id,

    -- attributes
    cast(customer_name as {{ dbt.type_string() }}) as customer_name,
    cast(country_code as {{ dbt.type_string() }}) as country_code,
    cast(region as {{ dbt.type_string() }}) as region,
    cast(default_currency_code as {{ dbt.type_string() }}) as default_currency_code,
    is_deleted_in_crm,
    is_inactive_in_erp,
    has_crm_account,
    has_erp_customer
from matched
