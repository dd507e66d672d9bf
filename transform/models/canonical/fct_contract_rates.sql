-- One row per (contract, role, effective_from): the hourly bill rate in force from effective_from until
-- effective_to (exclusive; null = open), from version 0 and every approved change order in version order
-- (CONTRACT_TO_CASH.md "Rate in force"). A role keeps its rate through change orders that do not list it;
-- a role a change order adds starts at that change order's effective date. When two versions are
-- effective the same day the later in version order wins and the earlier one's zero-length range is
-- dropped (it never governs a day).
with rate_terms as (
    select * from {{ ref('int_contract_terms_versioned') }}
    where term_kind = 'rate'
),

ranged as (
    select
        contract_key,
        role,
        version_number,
        amendment_key,
        amount,
        currency_code,
        effective_date as effective_from,
        lead(effective_date) over (
            partition by contract_key, role
            order by version_number
        ) as effective_to
    from rate_terms
)

select
    -- ids
    {{ surrogate_key(
        'contract_rate', "contract_key || '|' || role || '|' || cast(effective_from as " ~ dbt.type_string() ~ ")"
    ) }} as contract_rate_key,
    contract_key,
    amendment_key,

    -- attributes
    cast(role as {{ dbt.type_string() }}) as role,
    cast(version_number as integer) as version_number,

    -- amounts
    cast(amount as {{ money_type() }}) as bill_rate_amount,
    cast(currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(effective_from as date) as effective_from,
    cast(effective_to as date) as effective_to
from ranged
where effective_to is null or effective_to > effective_from
