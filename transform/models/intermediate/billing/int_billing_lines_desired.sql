-- The non-invoiced lines each schedule should hold (CONTRACT_TO_CASH.md): expected lines not yet invoiced,
-- plus an adjustment (<key>-adj, dated on the as-of date) where an invoiced line's amount differs from the
-- expected amount, and a credit (-invoiced amount) for an invoiced line whose key is no longer expected.
-- Invoiced lines are facts: they are never in this set and never changed.
with expected as (
    select * from {{ ref('int_billing_lines_expected') }}
),

erp_lines as (
    select * from {{ ref('fct_billing_schedule_lines') }}
),

invoiced as (
    select contract_key, line_key, sum(line_amount) as invoiced_amount
    from erp_lines
    where status = 'invoiced'
    group by contract_key, line_key
),

expected_vs_invoiced as (
    select expected.*, invoiced.invoiced_amount
    from expected
    left join invoiced
        on invoiced.contract_key = expected.contract_key and invoiced.line_key = expected.line_key
),

not_yet_invoiced as (
    select contract_key, line_key, expected_amount as line_amount, expected_date as line_date, amendment_key,
        'expected' as line_kind
    from expected_vs_invoiced
    where invoiced_amount is null
),

adjustments as (
    select contract_key, line_key || '-adj' as line_key, expected_amount - invoiced_amount as line_amount,
        {{ as_of_date() }} as line_date, amendment_key, 'adjustment' as line_kind
    from expected_vs_invoiced
    where invoiced_amount is not null and expected_amount <> invoiced_amount
),

credits as (
    select invoiced.contract_key, invoiced.line_key || '-adj' as line_key, -invoiced.invoiced_amount as line_amount,
        {{ as_of_date() }} as line_date, cast(null as {{ dbt.type_string() }}) as amendment_key, 'credit' as line_kind
    from invoiced
    left join expected
        on expected.contract_key = invoiced.contract_key and expected.line_key = invoiced.line_key
    where expected.line_key is null
)

select * from not_yet_invoiced
union all
select * from adjustments
union all
select * from credits
