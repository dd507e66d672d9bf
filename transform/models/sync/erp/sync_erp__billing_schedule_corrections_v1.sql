-- The corrected billing schedules, the reverse-ETL feed (CONTRACT_TO_CASH.md "Corrected billing schedule"):
-- for each DRIFTING contract, the full desired set of non-invoiced lines (int_billing_lines_desired) — the
-- expected lines not yet invoiced, the adjustments of invoiced lines whose amount changed and the credits of
-- invoiced lines no longer expected — one row per line, with the change order that last changed it and the
-- version of the whole set (desired_version, from sync_erp__billing_schedule_correction_headers). Amounts are
-- rounded to the currency's minor unit (a document line is formed here). Invoiced lines are never here: the
-- ERP keeps them as they are. Read a PINNED version: ref('sync_erp__billing_schedule_corrections', v=1),
-- table sync.sync_erp__billing_schedule_corrections_v1 — together with the headers of the same version,
-- which also list the drifting contracts whose desired set is empty.
with headers as (
    select * from {{ ref('sync_erp__billing_schedule_correction_headers', v=1) }}
),

desired as (
    select * from {{ ref('int_billing_lines_desired') }}
),

amendments as (
    select
        amendment_key,
        clm_amendment_id
    from {{ ref('fct_contract_amendments') }}
)

select
    -- ids
    cast(headers.contract_key as {{ dbt.type_string() }}) as contract_key,
    cast(headers.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(headers.erp_billing_schedule_id as {{ dbt.type_string() }}) as erp_billing_schedule_id,
    cast(headers.erp_billing_schedule_external_id as {{ dbt.type_string() }}) as erp_billing_schedule_external_id,
    cast(desired.line_key as {{ dbt.type_string() }}) as line_key,
    cast(desired.amendment_key as {{ dbt.type_string() }}) as causing_amendment_key,
    cast(amendments.clm_amendment_id as {{ dbt.type_string() }}) as clm_amendment_id,

    -- attributes
    cast(desired.line_kind as {{ dbt.type_string() }}) as line_kind,
    cast(headers.desired_version as {{ dbt.type_string() }}) as desired_version,
    cast(headers.contract_version_number as integer) as contract_version_number,

    -- amounts
    cast({{ round_money('desired.line_amount', 'headers.currency_code') }} as {{ money_type() }}) as line_amount,
    cast(headers.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(desired.line_date as date) as line_date,
    cast(headers.as_of_date as date) as as_of_date
from desired
inner join headers on headers.contract_key = desired.contract_key
left join amendments on amendments.amendment_key = desired.amendment_key
