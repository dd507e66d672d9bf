-- One line of an ERP (NetSuite) billing schedule as the ERP has it: its line key (milestone id or YYYY-MM),
-- date, amount and invoice link. status = invoiced when the line's invoice is set (an invoiced line is a
-- fact the corrections never change), else planned. The contract comes from the schedule's project:
-- billing_schedule.job → job.externalid (the SOW's ironcladId) → contract_key (computed, not joined).
with lines as (
    select * from {{ ref('stg_netsuite__billing_schedule_lines') }}
),

schedules as (
    select * from {{ ref('stg_netsuite__billing_schedules') }}
),

jobs as (
    select * from {{ ref('int_erp_jobs_linked_to_contracts') }}
),

currencies as (
    select * from {{ ref('stg_netsuite__currencies') }}
)

select
    -- ids
    cast({{ surrogate_key('billing_schedule_line', 'lines.billing_schedule_line_id') }} as {{ dbt.type_string() }})
        as billing_schedule_line_key,
    cast(lines.billing_schedule_id as {{ dbt.type_string() }}) as erp_billing_schedule_id,
    cast(schedules.billing_schedule_external_id as {{ dbt.type_string() }}) as erp_billing_schedule_external_id,
    cast(lines.billing_schedule_line_id as {{ dbt.type_string() }}) as erp_line_id,
    cast(schedules.job_id as {{ dbt.type_string() }}) as erp_job_id,
    cast(jobs.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('contract', 'jobs.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,
    cast(lines.invoice_id as {{ dbt.type_string() }}) as erp_invoice_id,
    cast({{ surrogate_key('invoice', 'lines.invoice_id') }} as {{ dbt.type_string() }}) as invoice_key,

    -- attributes
    cast(lines.line_number as integer) as line_number,
    cast(lines.line_key as {{ dbt.type_string() }}) as line_key,
    cast(case when lines.invoice_id is not null then 'invoiced' else 'planned' end as {{ dbt.type_string() }})
        as status,
    cast(coalesce(schedules.is_inactive, false) as boolean) as is_schedule_inactive,

    -- amounts
    cast(lines.line_amount as {{ money_type() }}) as line_amount,
    cast(coalesce(currencies.currency_code, jobs.currency_code) as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(lines.line_date as date) as line_date,

    -- metadata: the schedule's lastModifiedDate (NetSuite bumps it on every write to the schedule)
    cast(coalesce(lines.billing_schedule_last_modified_at, schedules.last_modified_at) as timestamp with time zone)
        as last_modified_at
from lines
left join schedules on schedules.billing_schedule_id = lines.billing_schedule_id
left join jobs on jobs.erp_job_id = schedules.job_id
left join currencies on currencies.currency_id = schedules.currency_id
