-- One row per Ironclad record with its header properties as typed columns (contracts: account,
-- opportunity, billing model, currency, dates, value, approval; change orders: number, effective date,
-- approval). Values are the record's current values (contract terms are versioned elsewhere).
{%- set text_props = {
    'counterparty_name': 'counterparty_name',
    'crm_account_id': 'crm_account_id',
    'crm_opportunity_id': 'crm_opportunity_id',
    'billing_model': 'billing_model',
    'currency': 'currency_code',
    'approval_status': 'approval_status',
} %}
{%- set date_props = {
    'start_date': 'start_date',
    'end_date': 'end_date',
    'signed_date': 'signed_date',
    'effective_date': 'effective_date',
} %}
with records as (
    select * from {{ ref('stg_ironclad__records') }}
),

properties as (
    select * from {{ ref('int_contract_terms_unpivoted') }}
),

pivoted as (
    select
        clm_record_id,
        {%- for prop, column in text_props.items() %}
            max(case when property_name = {{ clm_property_literal(prop) }} then value_text end) as {{ column }},
        {%- endfor %}
        {%- for prop, column in date_props.items() %}
            max(case when property_name = {{ clm_property_literal(prop) }} then value_text end) as {{ column }}_text,
        {%- endfor %}
        max(case when property_name = {{ clm_property_literal('approved_at') }} then value_text end)
            as approved_at_text,
        max(case when property_name = {{ clm_property_literal('change_order_number') }} then value_text end)
            as change_order_number_text,
        max(case when property_name = {{ clm_property_literal('contract_value') }} then amount end)
            as contract_value_amount,
        max(case when property_name = {{ clm_property_literal('contract_value') }} then currency_code end)
            as contract_value_currency_code
    from properties
    group by clm_record_id
)

select
    -- ids
    records.clm_record_id,
    records.clm_contract_id,
    records.clm_parent_record_id,
    records.clm_linked_record_id,
    pivoted.crm_account_id,
    pivoted.crm_opportunity_id,

    -- attributes
    records.record_type,
    records.record_name,
    records.parent_link_type,
    records.lifecycle_status,
    pivoted.counterparty_name,
    pivoted.billing_model,
    pivoted.currency_code,
    pivoted.approval_status,
    cast(cast(pivoted.change_order_number_text as {{ money_type() }}) as integer) as change_order_number,

    -- amounts
    cast(pivoted.contract_value_amount as {{ money_type() }}) as contract_value_amount,
    pivoted.contract_value_currency_code,

    -- dates
    {%- for prop, column in date_props.items() %}
        cast(substr(pivoted.{{ column }}_text, 1, 10) as date) as {{ column }},
    {%- endfor %}
    cast(pivoted.approved_at_text as timestamp with time zone) as approved_at,

    -- metadata
    records.last_updated_at

from records
left join pivoted on pivoted.clm_record_id = records.clm_record_id
