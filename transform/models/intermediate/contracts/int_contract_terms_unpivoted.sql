-- One row per (Ironclad record, property): the property's type, its value and original value as text,
-- and, for monetary amounts, the amount (parsed from the JSON number's text into decimal(38,9); PostgreSQL's
-- jsonb keeps numbers exact, DuckDB's JSON reader renders them shortest-round-trip, exact up to 15
-- significant digits) and currency. value_text of an object is its JSON text (spacing differs by adapter).
-- Contract terms are recognised by name (macros/contracts_terms.sql): term_kind, role, milestone_code.
with records as (
    select * from {{ ref('stg_ironclad__records') }}
),

property_names as (
    select
        clm_record_id,
        {{ json_each_key('properties_json') }} as property_name
    from records
),

properties as (
    select
        -- ids
        records.clm_record_id,
        records.clm_contract_id,
        records.clm_parent_record_id,

        -- attributes
        records.record_type,
        records.parent_link_type,
        property_names.property_name,
        {{ json_str_at('records.properties_json', 'property_names.property_name', 'type') }} as property_type,
        {{ json_str_at('records.properties_json', 'property_names.property_name', 'value') }} as value_text,
        {{ json_str_at('records.properties_json', 'property_names.property_name', 'originalValue') }}
            as original_value_text,

        -- amounts
        cast(
            {{ json_str_at('records.properties_json', 'property_names.property_name', 'value.amount') }}
            as {{ money_type() }}
        ) as amount,
        {{ json_str_at('records.properties_json', 'property_names.property_name', 'value.currency') }} as currency_code,
        cast(
            {{ json_str_at('records.properties_json', 'property_names.property_name', 'originalValue.amount') }}
            as {{ money_type() }}
        ) as original_amount,
        {{ json_str_at('records.properties_json', 'property_names.property_name', 'originalValue.currency') }}
            as original_currency_code

    from property_names
    inner join records on records.clm_record_id = property_names.clm_record_id
),

classified as (
    select
        *,
        {{ clm_term_kind('property_name') }} as term_kind
    from properties
)

select
    clm_record_id,
    clm_contract_id,
    clm_parent_record_id,
    record_type,
    parent_link_type,
    property_name,
    property_type,
    term_kind,
    case when term_kind = 'rate' then {{ clm_rate_role('property_name') }} end as role,
    {{ clm_milestone_code('property_name', 'term_kind') }} as milestone_code,
    value_text,
    original_value_text,
    original_value_text is not null as has_original_value,
    amount,
    currency_code,
    original_amount,
    original_currency_code
from classified
