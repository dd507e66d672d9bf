-- One ERP invoice line, with the line key the firm stamps on it (milestone id, YYYY-MM for a retainer month,
-- YYYY-MM:<role> / YYYY-MM:expenses for T&M), quantity, rate, net amount, and the tax code and tax amount as
-- the ERP computed them (tax is reported, never recomputed). The contract is the line's project (entity),
-- else the invoice's.
with lines as (
    select * from {{ ref('stg_netsuite__invoice_lines') }}
),

invoices as (
    select * from {{ ref('stg_netsuite__invoices') }}
),

jobs as (
    select * from {{ ref('int_erp_jobs_linked_to_contracts') }}
),

currencies as (
    select * from {{ ref('stg_netsuite__currencies') }}
)

select
    -- ids
    cast({{ surrogate_key('invoice_line', 'lines.invoice_line_id') }} as {{ dbt.type_string() }}) as invoice_line_key,
    cast(lines.invoice_line_id as {{ dbt.type_string() }}) as erp_invoice_line_id,
    cast({{ surrogate_key('invoice', 'lines.invoice_id') }} as {{ dbt.type_string() }}) as invoice_key,
    cast(lines.invoice_id as {{ dbt.type_string() }}) as erp_invoice_id,
    cast(coalesce(lines.job_id, invoices.job_id) as {{ dbt.type_string() }}) as erp_job_id,
    cast(jobs.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('contract', 'jobs.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,

    -- attributes
    cast(lines.line_number as integer) as line_number,
    cast(lines.line_key as {{ dbt.type_string() }}) as line_key,
    cast(lines.item_name as {{ dbt.type_string() }}) as item_name,
    cast(lines.tax_code as {{ dbt.type_string() }}) as tax_code,
    cast(lines.accounting_period as {{ dbt.type_string() }}) as accounting_period,
    cast(lines.memo as {{ dbt.type_string() }}) as memo,

    -- amounts (the invoice's currency)
    cast(lines.quantity as {{ money_type() }}) as quantity,
    cast(lines.rate as {{ money_type() }}) as rate,
    cast(lines.line_amount as {{ money_type() }}) as line_amount,
    cast(lines.tax_amount as {{ money_type() }}) as tax_amount,
    cast(currencies.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(invoices.invoice_date as date) as invoice_date,

    -- metadata
    cast(lines.invoice_last_modified_at as timestamp with time zone) as last_modified_at
from lines
left join invoices on invoices.invoice_id = lines.invoice_id
left join jobs on jobs.erp_job_id = coalesce(lines.job_id, invoices.job_id)
left join currencies on currencies.currency_id = invoices.currency_id
