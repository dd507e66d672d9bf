-- One ERP (NetSuite) customer invoice: customer, project → contract, currency, the ERP's exchange rate to its
-- base currency, net / tax / total amounts (net and tax summed from its lines, total as the ERP states it)
-- and the cash applied to it so far.
with invoices as (
    select * from {{ ref('stg_netsuite__invoices') }}
),

invoice_totals as (
    select
        invoice_id,
        sum(line_amount) as net_amount,
        sum(coalesce(tax_amount, 0)) as tax_amount,
        count(*) as line_count
    from {{ ref('stg_netsuite__invoice_lines') }}
    group by invoice_id
),

applied as (
    select
        invoice_id,
        sum(applied_amount) as paid_amount
    from {{ ref('stg_netsuite__payment_applications') }}
    group by invoice_id
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
    cast({{ surrogate_key('invoice', 'invoices.invoice_id') }} as {{ dbt.type_string() }}) as invoice_key,
    cast(invoices.invoice_id as {{ dbt.type_string() }}) as erp_invoice_id,
    cast(invoices.invoice_number as {{ dbt.type_string() }}) as invoice_number,
    cast(invoices.customer_id as {{ dbt.type_string() }}) as erp_customer_id,
    cast(customers.customer_key as {{ dbt.type_string() }}) as customer_key,
    cast(invoices.job_id as {{ dbt.type_string() }}) as erp_job_id,
    cast(jobs.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('contract', 'jobs.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,

    -- attributes
    cast(invoices.invoice_status as {{ dbt.type_string() }}) as status,
    cast(invoices.memo as {{ dbt.type_string() }}) as memo,
    cast(coalesce(invoice_totals.line_count, 0) as integer) as line_count,

    -- amounts (currency_code; exchange_rate = ERP base-currency units per unit, as the ERP booked it)
    cast(currencies.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(invoices.exchange_rate as {{ money_type() }}) as exchange_rate,
    cast(coalesce(invoice_totals.net_amount, 0) as {{ money_type() }}) as net_amount,
    cast(coalesce(invoice_totals.tax_amount, 0) as {{ money_type() }}) as tax_amount,
    cast(invoices.total_amount as {{ money_type() }}) as total_amount,
    cast(coalesce(applied.paid_amount, 0) as {{ money_type() }}) as paid_amount,
    cast(invoices.total_amount - coalesce(applied.paid_amount, 0) as {{ money_type() }}) as open_amount,

    -- dates
    cast(invoices.invoice_date as date) as invoice_date,

    -- metadata
    cast(invoices.created_at as timestamp with time zone) as created_at,
    cast(invoices.last_modified_at as timestamp with time zone) as last_modified_at
from invoices
left join invoice_totals on invoice_totals.invoice_id = invoices.invoice_id
left join applied on applied.invoice_id = invoices.invoice_id
left join jobs on jobs.erp_job_id = invoices.job_id
left join customers on customers.erp_customer_id = invoices.customer_id
left join currencies on currencies.currency_id = invoices.currency_id
