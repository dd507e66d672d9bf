-- One row per DRIFTING contract (recon_billing_schedule_drift): the ERP billing schedule the reverse-ETL job
-- must make hold exactly the contract's desired set of non-invoiced lines (int_billing_lines_desired, listed
-- line by line in sync_erp__billing_schedule_corrections). This header exists for every drifting contract,
-- also when its desired set is EMPTY (every non-invoiced line in the ERP must go, e.g. the last milestone
-- was removed): the lines feed then has no row for it, and only this header tells the job to act.
-- desired_version is a deterministic hash of the contract and its whole desired set (key, date, amount at the
-- currency's minor unit, kind of every line): it changes when any line changes and is the same in every run
-- and warehouse while the set is the same, so the job can use it in its idempotency keys.
with drifting as (
    select * from {{ ref('recon_billing_schedule_drift') }}
),

desired as (
    select * from {{ ref('int_billing_lines_desired') }}
),

contracts as (
    select
        contract_key,
        current_version_number
    from {{ ref('dim_contracts') }}
),

desired_lines as (  -- the amounts the ERP will hold: rounded to the minor unit, as a document line is formed
    select
        desired.contract_key,
        desired.line_key,
        desired.line_date,
        desired.line_kind,
        {{ round_money('desired.line_amount', 'drifting.currency_code') }} as line_amount
    from desired
    inner join drifting on drifting.contract_key = desired.contract_key
),

desired_sets as (
    select
        drifting.contract_key,
        count(desired_lines.line_key) as desired_line_count,
        sum(desired_lines.line_amount) as desired_open_amount,
        {{ dbt.listagg(
            "desired_lines.line_key || '|' || cast(desired_lines.line_date as " ~ dbt.type_string() ~ ") || '|' || cast(desired_lines.line_amount as "
            ~ dbt.type_string() ~ ") || '|' || desired_lines.line_kind",
            "';'", "order by desired_lines.line_key") }} as desired_lines_text
    from drifting
    left join desired_lines on desired_lines.contract_key = drifting.contract_key
    group by drifting.contract_key
)

select
    -- ids
    cast(drifting.contract_key as {{ dbt.type_string() }}) as contract_key,
    cast(drifting.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(drifting.erp_billing_schedule_id as {{ dbt.type_string() }}) as erp_billing_schedule_id,
    cast({{ erp_schedule_external_id_prefix() }} || drifting.clm_contract_id as {{ dbt.type_string() }})
        as erp_billing_schedule_external_id,

    -- attributes
    cast(
        {{ dbt.hash("drifting.clm_contract_id || '#' || coalesce(desired_sets.desired_lines_text, '')") }}
        as {{ dbt.type_string() }}
    ) as desired_version,
    cast(contracts.current_version_number as integer) as contract_version_number,
    cast(desired_sets.desired_line_count as bigint) as desired_line_count,

    -- amounts (currency_code, the contract currency)
    cast(coalesce(desired_sets.desired_open_amount, 0) as {{ money_type() }}) as desired_open_amount,
    cast(drifting.erp_open_amount as {{ money_type() }}) as erp_open_amount,
    cast(coalesce(desired_sets.desired_open_amount, 0) - drifting.erp_open_amount as {{ money_type() }})
        as impact_amount,
    cast(drifting.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    {{ as_of_date() }} as as_of_date
from drifting
inner join desired_sets on desired_sets.contract_key = drifting.contract_key
left join contracts on contracts.contract_key = drifting.contract_key
