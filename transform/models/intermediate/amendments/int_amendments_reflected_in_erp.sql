-- One row per approved change order of a fixed-fee or retainer contract that governs at least one billing
-- line (the change order that last changed an expected line, caused an adjustment or credit, or removed a
-- milestone), with whether and when the ERP billing schedule reflects it. Reflected when every desired
-- non-invoiced line it governs is in the ERP schedule with the same key and amount (and date, except
-- adjustment and credit lines, which compare on key and amount only: ruling 2), every line it governs that is
-- already invoiced (int_billing_lines_invoiced: by an invoice that counts, ruling 8) carries the expected
-- amount, and no non-invoiced ERP line keeps the key of a milestone it removed (an invoiced one needs its
-- credit line, which int_billing_lines_desired attributes to the change order).
-- Reflected at = the schedule's lastModifiedDate (NetSuite keeps only the last write: an upper bound).
with amendments as (
    select
        amendment_key,
        contract_key,
        approved_at,
        effective_date
    from {{ ref('fct_contract_amendments') }}
    where status = {{ clm_approved_status() }} and version_number is not null and contract_key is not null
),

contracts as (
    select contract_key from {{ ref('dim_contracts') }}
    where billing_model in ('fixed_fee', 'retainer')
),

compared as (
    select * from {{ ref('int_billing_lines_compared_to_erp') }}
),

expected as (
    select * from {{ ref('int_billing_lines_expected') }}
),

erp_lines as (
    select * from {{ ref('int_billing_lines_invoiced') }}
),

erp_invoiced_lines as (
    select
        contract_key,
        line_key,
        sum(line_amount) as invoiced_amount
    from erp_lines
    where is_invoiced
    group by contract_key, line_key
),

erp_schedules as (
    select
        contract_key,
        max(last_modified_at) as last_modified_at
    from erp_lines
    where contract_key is not null
    group by contract_key
),

removed_milestones as (  -- removed by a change order and not stated again later
    select distinct
        terms.amendment_key,
        terms.contract_key,
        terms.clm_contract_id || '-' || terms.milestone_code as line_key
    from {{ ref('int_contract_terms_versioned') }} as terms
    left join expected
        on expected.contract_key = terms.contract_key
            and expected.line_key = terms.clm_contract_id || '-' || terms.milestone_code
    where terms.term_kind = 'milestone_removed' and terms.is_removed and expected.line_key is null
),

erp_open_keys as (
    select distinct
        contract_key,
        line_key
    from compared
    where is_in_erp
),

checks as (
    select  -- desired lines it caused (expected, adjustments, and credits of the milestones it removed)
        amendment_key,
        case when not is_amount_different and (line_kind <> 'expected' or not is_date_different)
                then 1
            else 0
        end as is_reflected
    from compared
    where is_desired and amendment_key is not null

    union all
    select  -- invoiced lines it governs that carry the expected amount
        expected.amendment_key,
        1
    from expected
    inner join erp_invoiced_lines
        on erp_invoiced_lines.contract_key = expected.contract_key
            and erp_invoiced_lines.line_key = expected.line_key
            and erp_invoiced_lines.invoiced_amount = expected.expected_amount
    where expected.amendment_key is not null

    union all
    select  -- milestones it removed: no non-invoiced ERP line may keep their key
        removed_milestones.amendment_key,
        case when erp_open_keys.line_key is null then 1 else 0 end
    from removed_milestones
    left join erp_open_keys
        on erp_open_keys.contract_key = removed_milestones.contract_key
            and erp_open_keys.line_key = removed_milestones.line_key
),

per_amendment as (
    select
        amendments.amendment_key,
        amendments.contract_key,
        amendments.approved_at,
        amendments.effective_date,
        min(checks.is_reflected) as all_reflected,
        max(erp_schedules.last_modified_at) as schedule_last_modified_at
    from amendments
    inner join contracts on contracts.contract_key = amendments.contract_key
    inner join checks on checks.amendment_key = amendments.amendment_key
    left join erp_schedules on erp_schedules.contract_key = amendments.contract_key
    group by amendments.amendment_key, amendments.contract_key, amendments.approved_at, amendments.effective_date
)

select
    amendment_key,
    contract_key,
    approved_at,
    effective_date,
    all_reflected = 1 as is_reflected,
    case when all_reflected = 1 then schedule_last_modified_at end as reflected_at
from per_amendment
