-- One revenue journal line posted in the ERP: the project (line entity) → contract, the revenue month (the
-- line's accounting period 'YYYY-MM', as its first day) and the amount posted, in the journal's currency.
with lines as (
    select * from {{ ref('stg_netsuite__journal_entry_lines') }}
),

journals as (
    select * from {{ ref('stg_netsuite__journal_entries') }}
),

jobs as (
    select * from {{ ref('int_erp_jobs_linked_to_contracts') }}
),

currencies as (
    select * from {{ ref('stg_netsuite__currencies') }}
)

select
    -- ids
    cast({{ surrogate_key('revenue_posting', 'lines.journal_entry_line_id') }} as {{ dbt.type_string() }})
        as revenue_posting_key,
    cast(lines.journal_entry_line_id as {{ dbt.type_string() }}) as erp_journal_line_id,
    cast(lines.journal_entry_id as {{ dbt.type_string() }}) as erp_journal_id,
    cast(journals.journal_number as {{ dbt.type_string() }}) as journal_number,
    cast(coalesce(lines.job_id, journals.job_id) as {{ dbt.type_string() }}) as erp_job_id,
    cast(jobs.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('contract', 'jobs.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,

    -- attributes
    cast(lines.line_number as integer) as line_number,
    cast(lines.account_name as {{ dbt.type_string() }}) as account_name,
    cast(lines.accounting_period as {{ dbt.type_string() }}) as accounting_period,
    cast(journals.journal_status as {{ dbt.type_string() }}) as status,
    cast(coalesce(lines.memo, journals.memo) as {{ dbt.type_string() }}) as memo,

    -- amounts
    cast(lines.line_amount as {{ money_type() }}) as posted_amount,
    cast(currencies.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(lines.accounting_period || '-01' as date) as revenue_month,
    cast(journals.journal_date as date) as posting_date,

    -- metadata
    cast(lines.journal_last_modified_at as timestamp with time zone) as last_modified_at
from lines
left join journals on journals.journal_entry_id = lines.journal_entry_id
left join jobs on jobs.erp_job_id = coalesce(lines.job_id, journals.job_id)
left join currencies on currencies.currency_id = journals.currency_id
