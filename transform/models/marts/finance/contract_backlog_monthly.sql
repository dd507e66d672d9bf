-- Grain: one row per approved SOW × calendar month, from the contract's start month (or the as-of month, if
-- it starts later) through the as-of month. Contract value is the CURRENT value (as of the as-of date):
-- fixed fee = the current milestones' amounts, retainer = the fee in force for each month of the term, time
-- and materials = the value the CLM states (its estimate). Billed and earned come from
-- project_profitability_monthly (the same cells BI sees there, summed per contract): billed = ERP invoice
-- lines by invoice month, earned = the revenue rule. Remaining backlog = value − billed to date, never below
-- zero (billing beyond the value shows in billed_over_value_amount instead). Monthly burn = billed in the
-- month; months of backlog left = remaining backlog ÷ the average burn of the trailing three months (0 when
-- nothing remains, null when nothing was billed in them). Months after the contract's end keep their row
-- (is_contract_ended) so an unbilled remainder stays visible.
with contracts as (
    select * from {{ ref('dim_contracts') }}
    where contract_type <> 'msa' and status = {{ clm_approved_status() }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

milestone_values as (
    select
        contract_key,
        sum(milestone_amount) as amount
    from {{ ref('fct_contract_milestones') }}
    group by contract_key
),

retainer_values as (
    select
        contract_key,
        sum(expected_amount) as amount
    from {{ ref('int_billing_lines_expected') }}
    group by contract_key
),

valued as (
    select
        contracts.*,
        case contracts.billing_model
            when 'fixed_fee' then coalesce(milestone_values.amount, 0)
            when 'retainer' then coalesce(retainer_values.amount, 0)
            else contracts.contract_value_amount
        end as current_value_amount,
        {{ month_start('coalesce(contracts.start_date, contracts.signed_date, ' ~ as_of_date() ~ ')') }} as first_month
    from contracts
    left join milestone_values on milestone_values.contract_key = contracts.contract_key
    left join retainer_values
        on retainer_values.contract_key = contracts.contract_key and contracts.billing_model = 'retainer'
),

months as (
    select distinct month_start
    from {{ ref('all_dates') }}
    where month_start <= {{ month_start(as_of_date()) }}
),

contract_months as (
    select
        valued.*,
        months.month_start as month_start_date
    from valued
    inner join months
        on months.month_start >= case
                when valued.first_month < {{ month_start(as_of_date()) }} then valued.first_month
                else {{ month_start(as_of_date()) }}
            end
),

monthly as (
    select
        contract_key,
        month_start_date,
        sum(billed_amount) as billed_amount,
        sum(revenue_earned_amount) as earned_amount
    from {{ ref('project_profitability_monthly') }}
    where contract_key is not null
    group by contract_key, month_start_date
),

cumulated as (
    select
        contract_months.*,
        coalesce(monthly.billed_amount, 0) as billed_in_month_amount,
        coalesce(monthly.earned_amount, 0) as earned_in_month_amount,
        sum(coalesce(monthly.billed_amount, 0)) over (
            partition by contract_months.contract_key
            order by contract_months.month_start_date
            rows between unbounded preceding and current row
        ) as billed_to_date_amount,
        sum(coalesce(monthly.earned_amount, 0)) over (
            partition by contract_months.contract_key
            order by contract_months.month_start_date
            rows between unbounded preceding and current row
        ) as earned_to_date_amount,
        sum(coalesce(monthly.billed_amount, 0)) over (
            partition by contract_months.contract_key
            order by contract_months.month_start_date
            rows between 2 preceding and current row
        ) as trailing_burn_amount,
        count(*) over (
            partition by contract_months.contract_key
            order by contract_months.month_start_date
            rows between 2 preceding and current row
        ) as trailing_months
    from contract_months
    left join monthly
        on monthly.contract_key = contract_months.contract_key
            and monthly.month_start_date = contract_months.month_start_date
),

measured as (
    select
        cumulated.*,
        case
            when cumulated.current_value_amount - cumulated.billed_to_date_amount > 0
                then cumulated.current_value_amount - cumulated.billed_to_date_amount
            else 0
        end as remaining_backlog_amount,
        case
            when cumulated.billed_to_date_amount - cumulated.current_value_amount > 0
                then cumulated.billed_to_date_amount - cumulated.current_value_amount
            else 0
        end as billed_over_value_amount,
        {{ month_end('cumulated.month_start_date') }} as month_end_date
    from cumulated
),

converted as (  -- at the rate in force on the month's last day (the as-of date for the as-of month)
    select
        measured.*,
        fx.rate_date as fx_rate_date,
        fx.rate_to_reporting
    from measured
    {{ left_join_fx_rate_in_force('fx', 'measured.currency_code', fx_month_rate_date('measured.month_end_date')) }}
)

{%- set reporting = reporting_currency_literal() %}

select
    -- ids
    cast(
        {{ surrogate_key(
            'contract_month',
            "converted.contract_key || '|' || cast(converted.month_start_date as " ~ dbt.type_string() ~ ")"
        ) }}
        as {{ dbt.type_string() }}
    ) as contract_month_key,
    cast(converted.contract_key as {{ dbt.type_string() }}) as contract_key,
    cast(converted.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(converted.customer_key as {{ dbt.type_string() }}) as customer_key,

    -- attributes
    cast(converted.contract_name as {{ dbt.type_string() }}) as contract_name,
    cast(customers.customer_name as {{ dbt.type_string() }}) as customer_name,
    cast(customers.region as {{ dbt.type_string() }}) as region,
    cast(converted.billing_model as {{ dbt.type_string() }}) as service_line,
    cast(converted.end_date is not null and converted.month_start_date > converted.end_date as boolean)
        as is_contract_ended,
    cast(converted.trailing_months as integer) as trailing_burn_months,
    cast(
        case
            when converted.remaining_backlog_amount = 0 then 0
            when converted.trailing_burn_amount <= 0 then null
            else {{ exact_ratio(
                'converted.remaining_backlog_amount * converted.trailing_months', 'converted.trailing_burn_amount', 2
            ) }}
        end as {{ money_type() }}
    ) as months_of_backlog_left,

    -- amounts (contract currency)
    cast(converted.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(
        {{ round_money('converted.current_value_amount', 'converted.currency_code') }}
        as {{ money_type() }}
    ) as contract_value_amount,
    cast(
        {{ round_money('converted.contract_value_amount', 'converted.currency_code') }}
        as {{ money_type() }}
    ) as signed_contract_value_amount,
    cast(converted.billed_in_month_amount as {{ money_type() }}) as monthly_burn_amount,
    cast(converted.earned_in_month_amount as {{ money_type() }}) as earned_in_month_amount,
    cast(converted.billed_to_date_amount as {{ money_type() }}) as billed_to_date_amount,
    cast(converted.earned_to_date_amount as {{ money_type() }}) as earned_to_date_amount,
    cast(converted.earned_to_date_amount - converted.billed_to_date_amount as {{ money_type() }})
        as earned_not_billed_amount,
    cast(
        {{ round_money('converted.remaining_backlog_amount', 'converted.currency_code') }}
        as {{ money_type() }}
    ) as remaining_backlog_amount,
    cast(
        {{ round_money('converted.billed_over_value_amount', 'converted.currency_code') }}
        as {{ money_type() }}
    ) as billed_over_value_amount,
    cast(
        {{ money_div('converted.trailing_burn_amount', 'converted.trailing_months', 'converted.currency_code') }}
        as {{ money_type() }}
    ) as average_monthly_burn_amount,

    -- amounts (reporting currency)
    cast({{ reporting }} as {{ dbt.type_string() }}) as reporting_currency_code,
    cast(converted.rate_to_reporting as {{ money_type() }}) as fx_rate_to_reporting,
    cast(
        {{ round_money('converted.current_value_amount * converted.rate_to_reporting', reporting) }}
        as {{ money_type() }}
    ) as contract_value_amount_reporting,
    cast(
        {{ round_money('converted.billed_to_date_amount * converted.rate_to_reporting', reporting) }}
        as {{ money_type() }}
    ) as billed_to_date_amount_reporting,
    cast(
        {{ round_money('converted.earned_to_date_amount * converted.rate_to_reporting', reporting) }}
        as {{ money_type() }}
    ) as earned_to_date_amount_reporting,
    cast(
        {{ round_money('converted.remaining_backlog_amount * converted.rate_to_reporting', reporting) }}
        as {{ money_type() }}
    ) as remaining_backlog_amount_reporting,
    cast(
        {{ round_money('converted.billed_in_month_amount * converted.rate_to_reporting', reporting) }}
        as {{ money_type() }}
    ) as monthly_burn_amount_reporting,

    -- dates
    cast(converted.month_start_date as date) as month_start_date,
    cast(converted.start_date as date) as contract_start_date,
    cast(converted.end_date as date) as contract_end_date,
    cast(converted.fx_rate_date as date) as fx_rate_date
from converted
left join customers on customers.customer_key = converted.customer_key
