-- One row per change order in the CLM, whatever its approval status: its contract, number, effective
-- date, approval, the contract version it became (approved only) and which kinds of terms it changes.
-- A change order whose parent contract is not in the CLM stays, with a null contract_key.
with records as (
    select * from {{ ref('int_contract_records_pivoted') }}
),

change_orders as (
    select * from records
    where parent_link_type = {{ clm_amendment_link_type() }}
),

parents as (
    select
        clm_record_id,
        clm_contract_id
    from records
    where record_type in ({{ clm_contract_record_types() }})
),

versions as (
    select
        clm_record_id,
        version_number
    from {{ ref('int_contract_versions') }}
    where version_number > 0
),

changes as (
    select
        clm_record_id,
        max(case when term_kind = 'rate' then 1 else 0 end) as changes_rates,
        max(case when term_kind like 'milestone%' then 1 else 0 end) as changes_milestones,
        max(case when term_kind = 'not_to_exceed' then 1 else 0 end) as changes_cap,
        max(case when term_kind = 'retainer_fee' then 1 else 0 end) as changes_fee
    from {{ ref('int_contract_terms_unpivoted') }}
    where term_kind is not null
    group by clm_record_id
)

select
    -- ids
    {{ surrogate_key('amendment', 'change_orders.clm_contract_id') }} as amendment_key,
    {{ surrogate_key('contract', 'parents.clm_contract_id') }} as contract_key,
    change_orders.clm_contract_id as clm_amendment_id,
    change_orders.clm_record_id,
    parents.clm_contract_id,

    -- attributes
    cast(change_orders.change_order_number as integer) as amendment_number,
    cast(change_orders.approval_status as {{ dbt.type_string() }}) as status,
    cast(versions.version_number as integer) as version_number,
    coalesce(changes.changes_rates, 0) = 1 as changes_rates,
    coalesce(changes.changes_milestones, 0) = 1 as changes_milestones,
    coalesce(changes.changes_cap, 0) = 1 as changes_cap,
    coalesce(changes.changes_fee, 0) = 1 as changes_fee,

    -- dates
    change_orders.effective_date,
    change_orders.approved_at

from change_orders
left join parents on parents.clm_record_id = change_orders.clm_parent_record_id
left join versions on versions.clm_record_id = change_orders.clm_record_id
left join changes on changes.clm_record_id = change_orders.clm_record_id
