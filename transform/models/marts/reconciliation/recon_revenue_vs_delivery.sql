-- One row per contract × calendar month where revenue posted in the ERP differs from revenue earned:
-- time and materials = billable minutes of the month × the APPLIED rate (rate errors are
-- time_at_superseded_rate's business); fixed fee = amounts of current milestones accepted that month;
-- retainer = the fee in force on the month's first day, for the months of the term up to the as-of date, a
-- partial first or last month prorated by calendar days (ruling 4: the month's int_billing_lines_expected line).
-- Both sides are rounded to the minor unit at the contract × month grain; impact = posted − earned.
with contracts as (
    select * from {{ ref('dim_contracts') }}
),

time_earned as (
    select
        entries.contract_key,
        {{ month_start('entries.work_date') }} as revenue_month,
        sum(entries.applied_bill_rate_amount * entries.minutes) as value_x60
    from {{ ref('fct_time_entries') }} as entries
    inner join contracts on contracts.contract_key = entries.contract_key
    where entries.is_billable and contracts.billing_model = 'time_and_materials'
    group by entries.contract_key, {{ month_start('entries.work_date') }}
),

milestone_earned as (
    select
        milestones.contract_key,
        {{ month_start('completions.accepted_date') }} as revenue_month,
        60 * sum(milestones.milestone_amount) as value_x60
    from {{ ref('fct_contract_milestones') }} as milestones
    inner join {{ ref('fct_milestone_completions') }} as completions
        on completions.milestone_id = milestones.milestone_id and completions.accepted_date is not null
    group by milestones.contract_key, {{ month_start('completions.accepted_date') }}
),

retainer_earned as (
    select
        expected.contract_key,
        {{ month_start('expected.expected_date') }} as revenue_month,
        60 * expected.expected_amount as value_x60
    from {{ ref('int_billing_lines_expected') }} as expected
    inner join contracts on contracts.contract_key = expected.contract_key and contracts.billing_model = 'retainer'
    where expected.expected_date <= {{ as_of_date() }}
),

earned as (
    select
        contract_key,
        revenue_month,
        sum(value_x60) as value_x60
    from (
        select * from time_earned
        union all
        select * from milestone_earned
        union all
        select * from retainer_earned
    ) as parts
    group by contract_key, revenue_month
),

posted as (
    select
        contract_key,
        revenue_month,
        sum(posted_amount) as posted_amount
    from {{ ref('fct_revenue_postings') }}
    where contract_key is not null
    group by contract_key, revenue_month
),

months as (
    select
        contract_key,
        revenue_month
    from earned
    union
    select
        contract_key,
        revenue_month
    from posted
),

compared as (
    select
        months.contract_key,
        months.revenue_month,
        contracts.customer_key,
        contracts.clm_contract_id,
        contracts.currency_code,
        {{ round_money('coalesce(posted.posted_amount, 0)', 'contracts.currency_code') }} as posted_amount,
        {{ money_div('coalesce(earned.value_x60, 0)', '60', 'contracts.currency_code') }} as earned_amount
    from months
    inner join contracts on contracts.contract_key = months.contract_key
    left join earned on earned.contract_key = months.contract_key and earned.revenue_month = months.revenue_month
    left join posted on posted.contract_key = months.contract_key and posted.revenue_month = months.revenue_month
)

select
    compared.*,
    cast(jobs.erp_job_id as {{ dbt.type_string() }}) as erp_project_id,
    {{ month_key('compared.revenue_month') }} as revenue_month_key,
    cast(compared.posted_amount - compared.earned_amount as {{ money_type() }}) as impact_amount
from compared
left join {{ ref('int_erp_jobs_linked_to_contracts') }} as jobs on jobs.clm_contract_id = compared.clm_contract_id
where compared.posted_amount <> compared.earned_amount
