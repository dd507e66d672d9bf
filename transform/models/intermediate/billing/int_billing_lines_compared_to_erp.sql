-- The desired set of each schedule's non-invoiced lines (int_billing_lines_desired) paired with the ERP's
-- non-invoiced lines (int_billing_lines_invoiced: a line whose only invoice is voided or rejected is one,
-- ruling 8) by contract and line key (CONTRACT_TO_CASH.md "Billing-schedule drift"): one row per pair, per
-- desired line the ERP lacks and per ERP line not desired. is_different: the key is on one side only, or the
-- amounts differ, or the dates differ — except for adjustment and credit lines (<key>-adj), which compare on
-- key and amount only (ruling 2). recon_billing_schedule_drift and int_amendments_reflected_in_erp both read
-- this comparison.
with desired as (
    select
        contract_key,
        line_key,
        line_kind,
        amendment_key,
        line_amount,
        line_date,
        true as is_desired
    from {{ ref('int_billing_lines_desired') }}
),

erp_open as (
    select
        contract_key,
        line_key,
        line_amount,
        line_date,
        true as is_in_erp
    from {{ ref('int_billing_lines_invoiced') }}
    where not is_invoiced
)

select
    coalesce(desired.contract_key, erp_open.contract_key) as contract_key,
    coalesce(desired.line_key, erp_open.line_key) as line_key,
    coalesce(desired.is_desired, false) as is_desired,
    coalesce(erp_open.is_in_erp, false) as is_in_erp,
    desired.line_kind,
    desired.amendment_key,
    desired.line_amount as desired_amount,
    desired.line_date as desired_date,
    erp_open.line_amount as erp_amount,
    erp_open.line_date as erp_date,
    desired.line_amount <> erp_open.line_amount as is_amount_different,
    desired.line_date <> erp_open.line_date as is_date_different,
    case
        when desired.line_key is null or erp_open.line_key is null then true
        when desired.line_amount <> erp_open.line_amount then true
        when desired.line_kind in ('adjustment', 'credit') then false
        when desired.line_date <> erp_open.line_date then true
        else false
    end as is_different
from desired
full outer join erp_open
    on erp_open.contract_key = desired.contract_key and erp_open.line_key = desired.line_key
