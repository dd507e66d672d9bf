-- One row per ERP invoice, with whether it counts as invoiced (rulings 8 and 11): an invoice whose status is
-- one of var erp_invoice_statuses_invoicing_nothing (default Voided, Rejected; compared case-insensitively)
-- invoices nothing; every other status (Pending Approval, Open, Paid In Full) counts. Every rule that asks
-- "was it invoiced" (milestone_not_invoiced, billing-schedule drift, the readiness KPIs, billed amounts)
-- reads this decision; revenue vs delivery reads the revenue postings instead (the ERP reverses a voided
-- invoice's revenue).
with invoices as (
    select * from {{ ref('fct_invoices') }}
)

select
    -- ids
    invoice_key,
    erp_invoice_id,
    contract_key,

    -- attributes
    status,
    coalesce(lower(status) not in ({{ erp_invoice_statuses_invoicing_nothing() }}), true) as is_counted,

    -- dates
    invoice_date
from invoices
