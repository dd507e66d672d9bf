-- One row per ERP billing-schedule line (fct_billing_schedule_lines), with whether it is invoiced for the
-- rules (ruling 8): a line is invoiced when it links an invoice that counts (int_invoices_counted). A line
-- whose only invoice is voided or rejected is a non-invoiced line like a planned one: billing-schedule drift
-- compares it, corrects it and may remove it. A link to an invoice the ERP extract does not hold counts (the
-- ERP says the line is invoiced). The ERP's own link stays beside it (erp_invoice_id, is_invoice_linked).
with lines as (
    select * from {{ ref('fct_billing_schedule_lines') }}
),

invoices as (
    select * from {{ ref('int_invoices_counted') }}
)

select
    -- ids
    lines.billing_schedule_line_key,
    lines.erp_billing_schedule_id,
    lines.erp_line_id,
    lines.contract_key,
    lines.erp_invoice_id,
    lines.invoice_key,

    -- attributes
    lines.line_key,
    lines.erp_invoice_id is not null as is_invoice_linked,
    invoices.status as invoice_status,
    lines.erp_invoice_id is not null and coalesce(invoices.is_counted, true) as is_invoiced,

    -- amounts
    lines.line_amount,
    lines.currency_code,

    -- dates
    lines.line_date,
    lines.last_modified_at
from lines
left join invoices on invoices.invoice_key = lines.invoice_key
