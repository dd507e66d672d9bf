-- One row per reverse-ETL plan item whose schedule write ended in a conflict (the ERP record changed since
-- the plan: not overwritten) or a rejection (a dead letter holding the ERP's error body), and that no later
-- write of the same schedule has since corrected (CONTRACT_TO_CASH.md: write_conflict / write_rejected, one
-- break per plan item, impact = the item's amount change).
with outcomes as (
    select * from {{ ref('stg_reverse_etl__write_outcomes') }}
),

items as (
    select * from {{ ref('stg_reverse_etl__plan_items') }}
),

dead_letters as (
    select * from {{ ref('stg_reverse_etl__dead_letters') }}
),

contracts as (
    select
        contract_key,
        customer_key,
        clm_contract_id
    from {{ ref('dim_contracts') }}
),

latest as (  -- the last decision about each write key (a write key is one schedule at one desired version)
    select *
    from (
        select
            outcomes.*,
            row_number() over (
                partition by outcomes.write_key
                order by outcomes.ledger_entry_id desc
            ) as recency
        from outcomes
        where outcomes.outcome not in ('skipped')
    ) as ranked
    where recency = 1
),

failed as (
    select latest.*
    from latest
    where latest.outcome in ('conflict', 'rejected')
        and not exists (  -- a later successful write of the same schedule corrected it
            select 1 from outcomes as later
            where later.schedule_external_id = latest.schedule_external_id
                and later.ledger_entry_id > latest.ledger_entry_id
                and later.outcome in ('written', 'landed', 'already_applied')
        )
),

rejections as (
    select
        write_key,
        max(rejection_number) as rejection_count
    from dead_letters
    group by write_key
)

select
    case failed.outcome when 'conflict' then 'write_conflict' else 'write_rejected' end as exception_type,
    items.contract_key,
    contracts.customer_key,
    contracts.clm_contract_id,
    failed.schedule_external_id,
    items.item_key,
    items.line_key,
    items.op,
    items.currency_code,
    items.amount_change as impact_amount,
    failed.plan_id,
    failed.http_status,
    coalesce(rejections.rejection_count, 0) as rejection_count,
    failed.detail,
    failed.recorded_at
from failed
inner join items on items.plan_id = failed.plan_id and items.write_key = failed.write_key
left join contracts on contracts.contract_key = items.contract_key
left join rejections on rejections.write_key = failed.write_key
