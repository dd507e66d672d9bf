{#- How contract terms are named in the CLM (sandbox/README.md "Contract terms in Ironclad properties").
    Every name is a dbt var with the firm's default, because every firm names its CLM properties
    differently: override e.g. `clm_property_not_to_exceed: capAmount` in dbt_project.yml. -#}

{% macro clm_property(name) -%}
    {%- set defaults = {
        'counterparty_name': 'counterpartyName',
        'crm_account_id': 'salesforceAccountId',
        'crm_opportunity_id': 'salesforceOpportunityId',
        'billing_model': 'billingModel',
        'currency': 'contractCurrency',
        'start_date': 'startDate',
        'end_date': 'endDate',
        'signed_date': 'agreementDate',
        'approval_status': 'approvalStatus',
        'approved_at': 'approvedAt',
        'contract_value': 'contractValue',
        'not_to_exceed': 'notToExceed',
        'retainer_fee': 'retainerFee',
        'change_order_number': 'changeOrderNumber',
        'effective_date': 'effectiveDate',
        'rate_prefix': 'rate_',
        'milestone_prefix': 'milestone_',
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("clm_property: unknown term '" ~ name ~ "'") }}
    {%- endif -%}
    {%- set value = var('clm_property_' ~ name, defaults[name]) -%}
    {#- a property name is also spliced into SQL as a prefix and its length: letters, digits and _ only -#}
    {%- if value is not string or not modules.re.fullmatch('[A-Za-z][A-Za-z0-9_]{0,62}', value) -%}
        {{ config_value_error('clm_property_' ~ name, value, "a CLM property name (letters, digits and _)") }}
    {%- endif -%}
    {{- value -}}
{%- endmacro %}

{# The SQL literal of a CLM property name, e.g. 'notToExceed'. #}
{% macro clm_property_literal(name) -%}{{ config_text(clm_property(name), 'clm_property_' ~ name) }}{%- endmacro %}

{# Record types that are contracts (one row of dim_contracts each), and the link type of a change order. #}
{% macro clm_contract_record_types() -%}
    {%- set types = var('clm_contract_record_types', ['msa', 'sow']) -%}
    {%- if types is string or types is not iterable or not types -%}
        {{ config_value_error('clm_contract_record_types', types, "a non-empty list of record types") }}
    {%- endif -%}
    {%- for t in types -%}{{ config_text(t, 'clm_contract_record_types') }}{{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}

{% macro clm_amendment_link_type() -%}{{ config_text_var('clm_amendment_link_type', 'amendment') }}{%- endmacro %}

{# The approval status that makes a change order a contract version. #}
{% macro clm_approved_status() -%}{{ config_text_var('clm_approved_status') }}{%- endmacro %}

{#- The kind of contract term a property name states, or null: rate, milestone_amount, milestone_date,
    milestone_name, milestone_removed, not_to_exceed, retainer_fee. Portable string functions only. -#}
{% macro clm_term_kind(property_name) -%}
    {%- set rate = clm_property('rate_prefix') -%}
    {%- set ms = clm_property('milestone_prefix') -%}
    case
        when {{ property_name }} = {{ clm_property_literal('not_to_exceed') }} then 'not_to_exceed'
        when {{ property_name }} = {{ clm_property_literal('retainer_fee') }} then 'retainer_fee'
        when substr({{ property_name }}, 1, {{ rate | length }}) = '{{ rate }}'
            and length({{ property_name }}) > {{ rate | length }} then 'rate'
        {%- for what in ['amount', 'date', 'name', 'removed'] %}
        when substr({{ property_name }}, 1, {{ ms | length }}) = '{{ ms }}'
            and length({{ property_name }}) > {{ (ms | length) + (what | length) + 1 }}
            and right({{ property_name }}, {{ (what | length) + 1 }}) = '_{{ what }}' then 'milestone_{{ what }}'
        {%- endfor %}
    end
{%- endmacro %}

{# The role of a rate property: rate_senior_consultant -> senior_consultant (null for other properties). #}
{% macro clm_rate_role(property_name) -%}
    {%- set rate = clm_property('rate_prefix') -%}
    case when substr({{ property_name }}, 1, {{ rate | length }}) = '{{ rate }}'
        then substr({{ property_name }}, {{ (rate | length) + 1 }}) end
{%- endmacro %}

{# The milestone code of a milestone property: milestone_M3_amount -> M3 (null for other properties). #}
{% macro clm_milestone_code(property_name, term_kind) -%}
    {%- set ms = clm_property('milestone_prefix') -%}
    case {{ term_kind }}
        {%- for what in ['amount', 'date', 'name', 'removed'] %}
        when 'milestone_{{ what }}' then substr({{ property_name }}, {{ (ms | length) + 1 }},
            length({{ property_name }}) - {{ (ms | length) + (what | length) + 1 }})
        {%- endfor %}
    end
{%- endmacro %}
