-- One (currency, date) rate to the reporting currency (var reporting_currency), from the ERP's daily
-- currency rates whose base currency is the reporting currency (exchange rate = reporting-currency units per
-- unit). The reporting currency itself has a row at rate 1 on every date the ERP has rates for, so a
-- conversion is always an inner join on (currency_code, rate_date) — or, for a date without a rate, the
-- row with rate_date <= the date < valid_to_date.
with rates as (
    select * from {{ ref('stg_netsuite__currency_rates') }}
),

currencies as (
    select * from {{ ref('stg_netsuite__currencies') }}
),

erp_rates as (
    select
        transaction_currency.currency_code,
        rates.effective_date as rate_date,
        rates.exchange_rate as rate_to_reporting,
        rates.currency_rate_id,
        row_number() over (
            partition by transaction_currency.currency_code, rates.effective_date
            order by rates.last_modified_at desc nulls last, rates.currency_rate_id desc
        ) as rate_rank
    from rates
    inner join currencies as base_currency on base_currency.currency_id = rates.base_currency_id
    left join currencies as transaction_currency on transaction_currency.currency_id = rates.transaction_currency_id
    where base_currency.currency_code = {{ reporting_currency_literal() }}
),

reporting_currency as (
    select distinct
        {{ reporting_currency_literal() }} as currency_code,
        rate_date,
        cast(1 as {{ money_type() }}) as rate_to_reporting,
        cast(null as {{ dbt.type_string() }}) as currency_rate_id,
        1 as rate_rank
    from erp_rates
),

all_rates as (
    select * from erp_rates
    where rate_rank = 1
        and (currency_code is null or currency_code <> {{ reporting_currency_literal() }})
    union all
    select * from reporting_currency
)

select
    -- ids
    cast(
        {{ surrogate_key(
            'fx_rate', "all_rates.currency_code || ':' || cast(all_rates.rate_date as " ~ dbt.type_string() ~ ")"
        ) }}
        as {{ dbt.type_string() }}
    ) as fx_rate_key,
    cast(all_rates.currency_code as {{ dbt.type_string() }}) as currency_code,
    cast(all_rates.currency_rate_id as {{ dbt.type_string() }}) as erp_currency_rate_id,

    -- attributes
    cast({{ reporting_currency_literal() }} as {{ dbt.type_string() }}) as reporting_currency_code,
    cast(all_rates.currency_code = {{ reporting_currency_literal() }} as boolean) as is_reporting_currency,

    -- amounts
    cast(all_rates.rate_to_reporting as {{ money_type() }}) as rate_to_reporting,

    -- dates
    cast(all_rates.rate_date as date) as rate_date,
    cast(
        lead(all_rates.rate_date) over (
            partition by all_rates.currency_code
            order by all_rates.rate_date
        ) as date
    ) as valid_to_date
from all_rates
