-- One PSA time entry: minutes as the PSA records them, hours (display only), billable flag, the bill rate the
-- PSA applied, the contract bill rate in force on the work date for the entry's role (fct_contract_rates:
-- effective_from <= work_date < effective_to, null effective_to = open), the cost rate and the invoice link.
-- contract_bill_rate_amount is null when the role has no rate in force then (or the project has no contract):
-- for a billable T&M entry that is an unmatched_entity (the entry cannot be priced). Money from time is
-- rate × minutes / 60 through money_div, never from hours.
--
-- Incremental (the largest table): a run re-prices only (a) entries whose raw row arrived in a load newer
-- than the newest one here (new, changed or late-arriving rows) and (b) every entry of a contract whose
-- effective-dated rates changed since it was priced (a retroactive change order re-prices old time), and
-- (c) every entry of a project whose contract link changed. Entries deleted in the PSA are not seen by the
-- source; a full refresh (`dbt build --full-refresh`) rebuilds from scratch.
--
-- Quarantined entries (int_psa_records_quarantined: missing, negative or zero minutes) are left out. An entry
-- that was valid and is edited into an invalid one arrives in a newer load but is not inserted again, so the
-- post-hook removes its earlier, priced row.
{{
    config(
        materialized='incremental',
        unique_key='time_entry_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where psa_time_entry_id in (select psa_record_id from "
            ~ "{{ ref('int_psa_records_quarantined') }} where record_type = 'time_entry' and is_excluded)"
        ],
    )
}}

with entries as (
    select * from {{ ref('stg_kantata__time_entries') }} as psa_entries
    where not exists (
            select 1 from {{ ref('int_psa_records_quarantined') }} as quarantined
            where quarantined.record_type = 'time_entry' and quarantined.is_excluded
                and quarantined.psa_record_id = psa_entries.time_entry_id
        )
),

projects as (
    select * from {{ ref('int_psa_projects_linked_to_contracts') }}
),

roles as (
    select * from {{ ref('stg_kantata__roles') }}
),

contract_rates as (
    select * from {{ ref('fct_contract_rates') }}
),

rate_versions as (
    select
        contract_key,
        {{ dbt.hash(dbt.listagg(
            "role || '|' || cast(effective_from as " ~ dbt.type_string() ~ ") || '|' || coalesce(cast(effective_to as "
            ~ dbt.type_string() ~ "), '') || '|' || cast(bill_rate_amount as " ~ dbt.type_string() ~ ")",
            "','", "order by role, effective_from")) }} as contract_rates_version
    from contract_rates
    group by contract_key
),

entries_linked as (
    select
        entries.*,
        projects.clm_contract_id,
        {{ surrogate_key('contract', 'projects.clm_contract_id') }} as contract_key,
        roles.role
    from entries
    left join projects on projects.workspace_id = entries.workspace_id
    left join roles on roles.role_id = entries.role_id
),

{% if is_incremental() %}
previous_pricing as (
    select distinct psa_project_id, clm_contract_id, contract_key, contract_rates_version from {{ this }}
),

repriced_contracts as (  -- rates changed (or appeared / disappeared) since the rows here were priced
    select previous_pricing.contract_key
    from previous_pricing
    left join rate_versions on rate_versions.contract_key = previous_pricing.contract_key
    where coalesce(rate_versions.contract_rates_version, '') <> coalesce(previous_pricing.contract_rates_version, '')
),

relinked_projects as (  -- the project now points to another contract (or none)
    select distinct previous_pricing.psa_project_id
    from previous_pricing
    inner join projects on projects.workspace_id = previous_pricing.psa_project_id
    where coalesce(projects.clm_contract_id, '') <> coalesce(previous_pricing.clm_contract_id, '')
),

watermark as (
    select max(dlt_load_id) as last_load_id from {{ this }}
),
{% endif %}

to_price as (  -- filter before the effective-dated rate join: that join is the expensive part
    select * from entries_linked
    {% if is_incremental() %}
    where entries_linked.dlt_load_id > (select last_load_id from watermark)
        or entries_linked.contract_key in (select contract_key from repriced_contracts)
        or entries_linked.workspace_id in (select psa_project_id from relinked_projects)
    {% endif %}
)

select
    -- ids
    cast({{ surrogate_key('time_entry', 'to_price.time_entry_id') }} as {{ dbt.type_string() }}) as time_entry_key,
    cast(to_price.time_entry_id as {{ dbt.type_string() }}) as psa_time_entry_id,
    cast({{ surrogate_key('project', 'to_price.workspace_id') }} as {{ dbt.type_string() }}) as project_key,
    cast(to_price.workspace_id as {{ dbt.type_string() }}) as psa_project_id,
    cast(to_price.contract_key as {{ dbt.type_string() }}) as contract_key,
    cast(to_price.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('consultant', 'to_price.user_id') }} as {{ dbt.type_string() }}) as consultant_key,
    cast(to_price.user_id as {{ dbt.type_string() }}) as psa_user_id,
    cast(to_price.role_id as {{ dbt.type_string() }}) as psa_role_id,
    cast(to_price.story_id as {{ dbt.type_string() }}) as psa_story_id,
    cast(to_price.invoice_id as {{ dbt.type_string() }}) as psa_invoice_id,

    -- attributes
    cast(to_price.role as {{ dbt.type_string() }}) as role,
    cast(to_price.minutes as integer) as minutes,
    cast({{ delivery_hours_from_minutes('to_price.minutes') }} as {{ money_type() }}) as hours,
    cast(to_price.is_billable as boolean) as is_billable,
    cast(to_price.is_invoiced as boolean) as is_invoiced,
    cast(to_price.is_approved as boolean) as is_approved,

    -- amounts (all in currency_code, the project's currency)
    cast(to_price.applied_bill_rate_amount as {{ money_type() }}) as applied_bill_rate_amount,
    cast(contract_rates.bill_rate_amount as {{ money_type() }}) as contract_bill_rate_amount,
    cast(to_price.cost_rate_amount as {{ money_type() }}) as cost_rate_amount,
    cast(to_price.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(to_price.work_date as date) as work_date,

    -- metadata
    cast(to_price.created_at as timestamp with time zone) as created_at,
    cast(to_price.updated_at as timestamp with time zone) as updated_at,
    cast(rate_versions.contract_rates_version as {{ dbt.type_string() }}) as contract_rates_version,
    cast(to_price.dlt_load_id as {{ dbt.type_string() }}) as dlt_load_id
from to_price
left join rate_versions on rate_versions.contract_key = to_price.contract_key
left join contract_rates
    on contract_rates.contract_key = to_price.contract_key
        and contract_rates.role = to_price.role
        and contract_rates.effective_from <= to_price.work_date
        and (contract_rates.effective_to is null or contract_rates.effective_to > to_price.work_date)
