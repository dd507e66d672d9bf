-- One row per (contract, date range) of the retainer fee and the not-to-exceed cap in force: a new range
-- starts at version 0 and at every approved version that states a fee or a cap; each value is carried
-- forward from the latest version that stated it. effective_to is exclusive (null = open); a version
-- superseded on its own effective date (zero-length range) is dropped. A fee change effective mid-month
-- starts that day: the billing rule takes the fee in force on each month's first day. amendment_key is
-- the change order whose version starts the range; fee_amendment_key / cap_amendment_key the change order
-- that set the fee / cap in force (null when it is the signed value).
with versions as (
    select * from {{ ref('int_contract_versions') }}
),

terms as (
    select * from {{ ref('int_contract_terms_versioned') }}
    where term_kind in ('retainer_fee', 'not_to_exceed')
),

stated as (
    select
        contract_key,
        version_number,
        max(case when term_kind = 'retainer_fee' then amount end) as retainer_fee_amount,
        max(case when term_kind = 'not_to_exceed' then amount end) as not_to_exceed_amount,
        max(currency_code) as currency_code
    from terms
    group by contract_key, version_number
),

points as (
    select
        versions.contract_key,
        versions.version_number,
        versions.amendment_key,
        versions.effective_date,
        stated.retainer_fee_amount,
        stated.not_to_exceed_amount,
        stated.currency_code
    from versions
    left join stated
        on stated.contract_key = versions.contract_key
            and stated.version_number = versions.version_number
    where versions.version_number = 0 or stated.contract_key is not null
),

grouped as (
    select
        *,
        count(retainer_fee_amount) over (
            partition by contract_key
            order by version_number rows between unbounded preceding and current row
        ) as fee_group,
        count(not_to_exceed_amount) over (
            partition by contract_key
            order by version_number rows between unbounded preceding and current row
        ) as cap_group,
        count(currency_code) over (
            partition by contract_key
            order by version_number rows between unbounded preceding and current row
        ) as currency_group,
        lead(effective_date) over (
            partition by contract_key
            order by version_number
        ) as next_effective_date
    from points
),

carried as (
    select
        contract_key,
        version_number,
        amendment_key,
        effective_date as effective_from,
        next_effective_date as effective_to,
        max(retainer_fee_amount) over (partition by contract_key, fee_group) as retainer_fee_amount,
        max(not_to_exceed_amount) over (partition by contract_key, cap_group) as not_to_exceed_amount,
        max(case when retainer_fee_amount is not null then amendment_key end)
            over (partition by contract_key, fee_group) as fee_amendment_key,
        max(case when not_to_exceed_amount is not null then amendment_key end)
            over (partition by contract_key, cap_group) as cap_amendment_key,
        max(currency_code) over (partition by contract_key, currency_group) as currency_code
    from grouped
)

select
    -- ids
    contract_key,
    cast(version_number as integer) as version_number,
    amendment_key,
    fee_amendment_key,
    cap_amendment_key,

    -- amounts
    cast(retainer_fee_amount as {{ money_type() }}) as retainer_fee_amount,
    cast(not_to_exceed_amount as {{ money_type() }}) as not_to_exceed_amount,
    currency_code,

    -- dates
    effective_from,
    effective_to
from carried
where effective_to is null or effective_to > effective_from
