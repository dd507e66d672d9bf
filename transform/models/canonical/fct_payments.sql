-- One ERP customer payment and one invoice it is applied to (previoustransactionlink): the payment's total,
-- and the part of it applied to that invoice. A payment applied to several invoices has one row per invoice
-- (sum applied_amount, not payment_amount, across rows); an unapplied payment has one row with no invoice.
with payments as (
    select * from {{ ref('stg_netsuite__customer_payments') }}
),

applications as (
    select * from {{ ref('stg_netsuite__payment_applications') }}
),

jobs as (
    select * from {{ ref('int_erp_jobs_linked_to_contracts') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

currencies as (
    select * from {{ ref('stg_netsuite__currencies') }}
)

select
    -- ids
    cast(
        {{ surrogate_key('payment', "payments.customer_payment_id || ':' || coalesce(applications.invoice_id, '')") }}
        as {{ dbt.type_string() }}
    ) as payment_key,
    cast(payments.customer_payment_id as {{ dbt.type_string() }}) as erp_payment_id,
    cast(payments.payment_number as {{ dbt.type_string() }}) as payment_number,
    cast(applications.invoice_id as {{ dbt.type_string() }}) as erp_invoice_id,
    cast({{ surrogate_key('invoice', 'applications.invoice_id') }} as {{ dbt.type_string() }}) as invoice_key,
    cast(payments.customer_id as {{ dbt.type_string() }}) as erp_customer_id,
    cast(customers.customer_key as {{ dbt.type_string() }}) as customer_key,
    cast(payments.job_id as {{ dbt.type_string() }}) as erp_job_id,
    cast(jobs.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('contract', 'jobs.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,

    -- attributes
    cast(payments.payment_status as {{ dbt.type_string() }}) as status,
    cast(payments.memo as {{ dbt.type_string() }}) as memo,

    -- amounts (currency_code; exchange_rate = ERP base-currency units per unit)
    cast(currencies.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(payments.exchange_rate as {{ money_type() }}) as exchange_rate,
    cast(payments.payment_amount as {{ money_type() }}) as payment_amount,
    cast(applications.applied_amount as {{ money_type() }}) as applied_amount,

    -- dates
    cast(payments.payment_date as date) as payment_date,
    cast(applications.applied_date as date) as applied_date,

    -- metadata
    cast(payments.created_at as timestamp with time zone) as created_at,
    cast(payments.last_modified_at as timestamp with time zone) as last_modified_at
from payments
left join applications on applications.customer_payment_id = payments.customer_payment_id
left join jobs on jobs.erp_job_id = payments.job_id
left join customers on customers.erp_customer_id = payments.customer_id
left join currencies on currencies.currency_id = payments.currency_id
