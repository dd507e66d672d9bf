-- The non-invoiced lines each schedule should hold (CONTRACT_TO_CASH.md): expected lines not yet invoiced,
-- plus an adjustment (<key>-adj) where an invoiced line's amount differs from the expected amount, and a
-- credit (-invoiced amount) for an invoiced line whose key is no longer expected. Invoiced lines
-- (int_billing_lines_invoiced: linked to an invoice that counts, ruling 8) are facts: they are never in this
-- set and never changed; a line whose only invoice was voided or rejected is not invoiced. An adjustment or
-- credit is dated on the as-of date when it is first desired and keeps the date of the non-invoiced ERP line
-- that already carries its key (ruling 2: adjustments compare on key and amount only, so the desired state
-- written back never re-dates one). amendment_key is the change order that caused the line (for a credit:
-- the one that removed the milestone; null for a line as signed).
with expected as (
    select * from {{ ref('int_billing_lines_expected') }}
),

erp_lines as (
    select * from {{ ref('int_billing_lines_invoiced') }}
),

erp_open_dates as (  -- the date the ERP already gives each non-invoiced key (an adjustment keeps it)
    select
        contract_key,
        line_key,
        min(line_date) as line_date
    from erp_lines
    where not is_invoiced
    group by contract_key, line_key
),

removals as (  -- the change order that last removed each milestone: the cause of its credit
    select
        contract_key,
        line_key,
        amendment_key
    from (
        select
            contract_key,
            clm_contract_id || '-' || milestone_code as line_key,
            amendment_key,
            row_number() over (
                partition by contract_key, milestone_code
                order by version_number desc
            ) as recency
        from {{ ref('int_contract_terms_versioned') }}
        where term_kind = 'milestone_removed' and is_removed
    ) as ranked
    where recency = 1
),

invoiced as (
    select
        contract_key,
        line_key,
        sum(line_amount) as invoiced_amount
    from erp_lines
    where is_invoiced
    group by contract_key, line_key
),

expected_vs_invoiced as (
    select
        expected.*,
        invoiced.invoiced_amount
    from expected
    left join invoiced
        on invoiced.contract_key = expected.contract_key and invoiced.line_key = expected.line_key
),

not_yet_invoiced as (
    select
        contract_key,
        line_key,
        expected_amount as line_amount,
        expected_date as line_date,
        amendment_key,
        'expected' as line_kind
    from expected_vs_invoiced
    where invoiced_amount is null
),

adjustments as (
    select
        expected_vs_invoiced.contract_key,
        expected_vs_invoiced.line_key || '-adj' as line_key,
        expected_vs_invoiced.expected_amount - expected_vs_invoiced.invoiced_amount as line_amount,
        coalesce(erp_open_dates.line_date, {{ as_of_date() }}) as line_date,
        expected_vs_invoiced.amendment_key,
        'adjustment' as line_kind
    from expected_vs_invoiced
    left join erp_open_dates
        on erp_open_dates.contract_key = expected_vs_invoiced.contract_key
            and erp_open_dates.line_key = expected_vs_invoiced.line_key || '-adj'
    where expected_vs_invoiced.invoiced_amount is not null
        and expected_vs_invoiced.expected_amount <> expected_vs_invoiced.invoiced_amount
),

credits as (
    select
        invoiced.contract_key,
        invoiced.line_key || '-adj' as line_key,
        -invoiced.invoiced_amount as line_amount,
        coalesce(erp_open_dates.line_date, {{ as_of_date() }}) as line_date,
        removals.amendment_key,
        'credit' as line_kind
    from invoiced
    left join expected
        on expected.contract_key = invoiced.contract_key and expected.line_key = invoiced.line_key
    left join removals
        on removals.contract_key = invoiced.contract_key and removals.line_key = invoiced.line_key
    left join erp_open_dates
        on erp_open_dates.contract_key = invoiced.contract_key
            and erp_open_dates.line_key = invoiced.line_key || '-adj'
    where expected.line_key is null
)

select * from not_yet_invoiced
union all
select * from adjustments
union all
select * from credits
