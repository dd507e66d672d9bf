-- The non-invoiced lines each schedule should hold (CONTRACT_TO_CASH.md): expected lines not yet invoiced,
-- plus an adjustment (<key>-adj, dated on the as-of date) where an invoiced line's amount differs from the
-- expected amount, and a credit (-invoiced amount) for an invoiced line whose key is no longer expected.
-- Invoiced lines are facts: they are never in this set and never changed. amendment_key is the change order
-- that caused the line (for a credit: the one that removed the milestone; null for a line as signed).
with expected as (
    select * from {{ ref('int_billing_lines_expected') }}
),

erp_lines as (
    select * from {{ ref('fct_billing_schedule_lines') }}
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
    where status = 'invoiced'
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
        contract_key,
        line_key || '-adj' as line_key,
        expected_amount - invoiced_amount as line_amount,
        {{ as_of_date() }} as line_date,
        amendment_key,
        'adjustment' as line_kind
    from expected_vs_invoiced
    where invoiced_amount is not null and expected_amount <> invoiced_amount
),

credits as (
    select
        invoiced.contract_key,
        invoiced.line_key || '-adj' as line_key,
        -invoiced.invoiced_amount as line_amount,
        {{ as_of_date() }} as line_date,
        removals.amendment_key,
        'credit' as line_kind
    from invoiced
    left join expected
        on expected.contract_key = invoiced.contract_key and expected.line_key = invoiced.line_key
    left join removals
        on removals.contract_key = invoiced.contract_key and removals.line_key = invoiced.line_key
    where expected.line_key is null
)

select * from not_yet_invoiced
union all
select * from adjustments
union all
select * from credits
