-- The ERP invoices that invoice nothing (int_invoices_counted: status voided or rejected, rulings 8 and 11),
-- for the reverse-ETL job: a live billing-schedule line linked to one of these invoices is a non-invoiced
-- line, as the rules took it (int_billing_lines_invoiced) — the job compares and writes it like a planned
-- line instead of deciding from the invoice link alone. An invoice voided after this build is not here yet:
-- the job then treats its lines as invoiced (it never changes them) until the next build.
-- Read a PINNED version: ref('sync_erp__invoices_invoicing_nothing', v=1),
-- table sync.sync_erp__invoices_invoicing_nothing_v1.
with invoices as (
    select * from {{ ref('int_invoices_counted') }}
    where not is_counted
)

select
    -- ids
    cast(erp_invoice_id as {{ dbt.type_string() }}) as erp_invoice_id,
    cast(invoice_key as {{ dbt.type_string() }}) as invoice_key,
    cast(contract_key as {{ dbt.type_string() }}) as contract_key,

    -- attributes
    cast(status as {{ dbt.type_string() }}) as invoice_status,

    -- dates
    {{ as_of_date() }} as as_of_date
from invoices
