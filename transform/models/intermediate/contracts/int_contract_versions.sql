-- One row per contract version (CONTRACT_TO_CASH.md "Contract versions"): version 0 is the contract as
-- signed, effective from its start date; each APPROVED change order is a new version effective from its
-- own effective date, numbered in order of effective date, then approval time, then change-order number.
-- Change orders in draft or review are no version. A change order approved after its effective date
-- (retroactive) still takes its place by effective date. A change order effective before its SOW starts
-- takes effect on the SOW's start date, after version 0 (ruling 12: no rate is in force before the start);
-- stated_effective_date keeps the date the CLM states.
with records as (
    select * from {{ ref('int_contract_records_pivoted') }}
),

contracts as (
    select * from records
    where record_type in ({{ clm_contract_record_types() }})
),

approved_change_orders as (
    select
        change_orders.*,
        contracts.clm_contract_id as parent_clm_contract_id,
        case
            when contracts.start_date is not null and change_orders.effective_date < contracts.start_date
                then contracts.start_date
            else change_orders.effective_date
        end as effective_date_in_contract
    from records as change_orders
    inner join contracts on contracts.clm_record_id = change_orders.clm_parent_record_id
    where change_orders.parent_link_type = {{ clm_amendment_link_type() }}
        and change_orders.approval_status = {{ clm_approved_status() }}
),

signed as (
    select
        clm_contract_id,
        clm_record_id,
        cast(null as {{ dbt.type_string() }}) as clm_amendment_id,
        cast(null as integer) as change_order_number,
        0 as version_number,
        coalesce(start_date, signed_date) as effective_date,
        coalesce(start_date, signed_date) as stated_effective_date,
        approved_at
    from contracts
),

amended as (
    select
        parent_clm_contract_id as clm_contract_id,
        clm_record_id,
        clm_contract_id as clm_amendment_id,
        change_order_number,
        row_number() over (
            partition by parent_clm_contract_id
            order by
                effective_date_in_contract nulls last,
                approved_at nulls last,
                change_order_number nulls last,
                clm_contract_id
        ) as version_number,
        effective_date_in_contract as effective_date,
        effective_date as stated_effective_date,
        approved_at
    from approved_change_orders
),

versions as (
    select * from signed
    union all
    select * from amended
)

select
    -- ids
    {{ surrogate_key('contract', 'clm_contract_id') }} as contract_key,
    cast(version_number as integer) as version_number,
    {{ surrogate_key('amendment', 'clm_amendment_id') }} as amendment_key,
    clm_contract_id,
    clm_amendment_id,
    clm_record_id,

    -- attributes
    change_order_number,

    -- dates
    effective_date,
    stated_effective_date,
    approved_at
from versions
