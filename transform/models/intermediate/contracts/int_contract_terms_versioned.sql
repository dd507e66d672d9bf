-- One row per (contract version, term it states): rates (rate_<role>), milestones
-- (milestone_<Mk>_amount/_date/_name/_removed), the not-to-exceed cap and the retainer fee.
-- Version 0 (the contract as signed) takes each term's originalValue when the contract shows one, else
-- its value; a term that an APPROVED change order introduced (no originalValue on the contract, and named
-- by an approved change order) is not part of version 0. Version n states exactly what its change order
-- lists (a change order replaces only what it names). Draft / in-review change orders are no version, so
-- their terms never appear here.
with properties as (
    select * from {{ ref('int_contract_terms_unpivoted') }}
    where term_kind is not null
),

versions as (
    select * from {{ ref('int_contract_versions') }}
),

approved_change_order_terms as (
    select
        versions.clm_contract_id,
        properties.property_name
    from properties
    inner join versions
        on versions.clm_record_id = properties.clm_record_id
            and versions.version_number > 0
),

signed_terms as (
    select
        versions.contract_key,
        versions.clm_contract_id,
        versions.version_number,
        versions.amendment_key,
        versions.effective_date,
        versions.approved_at,
        properties.property_name,
        properties.term_kind,
        properties.role,
        properties.milestone_code,
        case when properties.has_original_value then properties.original_value_text
            else properties.value_text
        end as value_text,
        case when properties.has_original_value then properties.original_amount
            else properties.amount
        end as amount,
        case when properties.has_original_value then properties.original_currency_code
            else properties.currency_code
        end as currency_code
    from properties
    inner join versions
        on versions.clm_record_id = properties.clm_record_id
            and versions.version_number = 0
    where properties.has_original_value
        or not exists (
            select 1
            from approved_change_order_terms
            where approved_change_order_terms.clm_contract_id = versions.clm_contract_id
                and approved_change_order_terms.property_name = properties.property_name
        )
),

amended_terms as (
    select
        versions.contract_key,
        versions.clm_contract_id,
        versions.version_number,
        versions.amendment_key,
        versions.effective_date,
        versions.approved_at,
        properties.property_name,
        properties.term_kind,
        properties.role,
        properties.milestone_code,
        properties.value_text,
        properties.amount,
        properties.currency_code
    from properties
    inner join versions
        on versions.clm_record_id = properties.clm_record_id
            and versions.version_number > 0
),

terms as (
    select * from signed_terms
    union all
    select * from amended_terms
)

select
    -- ids
    contract_key,
    clm_contract_id,
    cast(version_number as integer) as version_number,
    amendment_key,

    -- attributes
    property_name,
    term_kind,
    role,
    milestone_code,
    value_text,
    case when term_kind = 'milestone_date' then cast(substr(value_text, 1, 10) as date) end as term_date,
    case when term_kind = 'milestone_removed' then lower(value_text) = 'true' end as is_removed,

    -- amounts
    cast(amount as {{ money_type() }}) as amount,
    currency_code,

    -- dates
    effective_date,
    approved_at
from terms
