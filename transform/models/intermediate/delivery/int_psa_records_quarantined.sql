-- Every PSA record the rules must not take as it stands (shared/design/RELIABILITY.md F14), one row per
-- record, with the reason. The raw row stays as the PSA sent it; this model is where its validity is decided,
-- once:
--   time entry: minutes missing, negative (negative_minutes) or zero (zero_minutes: a period of work of no
--               length; Kantata itself refuses time_in_minutes <= 0);
--   expense:    amount missing or negative (negative_amount);
--   workspace, story: a due date before the start date (reversed_period; dates are whole days, so a period
--               that starts and ends on the same day is one day long, not empty).
-- is_excluded: time entries and expenses carry money, so they are kept out of every rule (fct_time_entries
-- and fct_expenses leave them out; nothing they hold reaches a mart, the sync feed or the ERP). Workspaces
-- and stories are reported only: their dates price nothing, and leaving a project out would orphan its time.
{%- set text = dbt.type_string() %}
with time_entries as (
    select * from {{ ref('stg_kantata__time_entries') }}
),

expenses as (
    select * from {{ ref('stg_kantata__expenses') }}
),

workspaces as (
    select * from {{ ref('stg_kantata__workspaces') }}
),

stories as (
    select * from {{ ref('stg_kantata__stories') }}
),

invalid_time_entries as (
    select
        'time_entry' as record_type,
        time_entry_id as psa_record_id,
        workspace_id as psa_project_id,
        case
            when minutes is null then 'missing_minutes'
            when minutes < 0 then 'negative_minutes'
            else 'zero_minutes'
        end as reason,
        coalesce(cast(minutes as {{ text }}), 'no') || ' minutes on '
        || coalesce(cast(work_date as {{ text }}), 'no date') as detail,
        work_date as record_date,
        currency_code,
        {{ money_div('applied_bill_rate_amount * minutes', '60', 'currency_code') }} as record_amount,
        true as is_excluded
    from time_entries
    where minutes is null or minutes <= 0
),

invalid_expenses as (
    select
        'expense',
        expense_id,
        workspace_id,
        case when expense_amount is null then 'missing_amount' else 'negative_amount' end,
        'amount ' || coalesce(cast(expense_amount as {{ text }}), 'missing') || ' on '
        || coalesce(cast(expense_date as {{ text }}), 'no date'),
        expense_date,
        currency_code,
        {{ round_money('expense_amount', 'currency_code') }},
        true
    from expenses
    where expense_amount is null or expense_amount < 0
),

reversed_workspaces as (
    select
        'workspace',
        workspace_id,
        workspace_id as psa_project_id,
        'reversed_period',
        'due ' || cast(due_date as {{ text }}) || ' before start ' || cast(start_date as {{ text }}),
        start_date,
        currency_code,
        cast(null as {{ money_type() }}),
        false
    from workspaces
    where due_date < start_date
),

reversed_stories as (
    select
        'story',
        story_id,
        workspace_id,
        'reversed_period',
        'due ' || cast(due_date as {{ text }}) || ' before start ' || cast(start_date as {{ text }}),
        start_date,
        cast(null as {{ text }}),
        cast(null as {{ money_type() }}),
        false
    from stories
    where due_date < start_date
)

select * from invalid_time_entries
union all
select * from invalid_expenses
union all
select * from reversed_workspaces
union all
select * from reversed_stories
