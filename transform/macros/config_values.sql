{#- Values from configuration that become SQL (dbt vars: dbt_project.yml `vars:` or `--vars`), checked when a
    model compiles, before any SQL runs (RELIABILITY.md F18: never injection from a name or value in config).
    - an identifier (a raw column's name) passes an allow-list pattern, and is quoted by the adapter;
    - a text value becomes a quoted SQL literal (quotes doubled) and, where its form is known, passes a
      pattern too (a currency code, an external-id prefix, a CLM property name);
    - a number must be one.
    Anything else stops the build with an error naming the var. -#}

{% macro config_identifier(name) -%}
    {%- set value = var(name) -%}
    {%- if value is not string or not modules.re.fullmatch('[a-z_][a-z0-9_]{0,62}', value) -%}
        {{ config_value_error(name, value, "a lower-case column name (letters, digits and _; at most 63)") }}
    {%- endif -%}
    {{- adapter.quote(value) -}}
{%- endmacro %}

{% macro config_text(value, name, pattern=none, what="text") -%}
    {%- if value is not string or (pattern is not none and not modules.re.fullmatch(pattern, value)) -%}
        {{ config_value_error(name, value, what) }}
    {%- endif -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro config_text_var(name, default=none, pattern=none, what="text") -%}
    {{- config_text(var(name, default), name, pattern, what) -}}
{%- endmacro %}

{% macro config_number_var(name, default=none) -%}
    {%- set value = var(name, default) -%}
    {%- if value is string or value is boolean or value is not number -%}
        {{ config_value_error(name, value, "a number") }}
    {%- endif -%}
    {{- value -}}
{%- endmacro %}

{% macro reporting_currency_literal() -%}
    {{- config_text_var('reporting_currency', pattern='[A-Z]{3}', what="an ISO 4217 currency code") -}}
{%- endmacro %}

{% macro erp_schedule_external_id_prefix() -%}
    {{- config_text_var(
        'erp_schedule_external_id_prefix', pattern='[A-Za-z0-9_-]*', what="an external-id prefix (letters, digits, _ and -)"
    ) -}}
{%- endmacro %}

{# The ERP invoice statuses that invoice nothing (rulings 8 and 11), lower-cased SQL literals. #}
{% macro erp_invoice_statuses_invoicing_nothing() -%}
    {%- set name = 'erp_invoice_statuses_invoicing_nothing' -%}
    {%- set statuses = var(name, ['Voided', 'Rejected']) -%}
    {%- if statuses is string or statuses is not iterable or not statuses -%}
        {{ config_value_error(name, statuses, "a non-empty list of invoice statuses") }}
    {%- endif -%}
    {%- for status in statuses -%}
        {{ config_text(status | lower if status is string else status, name, '[a-z0-9 :_-]{1,60}', "an invoice status") }}
        {{- ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{% macro config_value_error(name, value, what) -%}
    {%- set shown = (value | string)[:60] -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ " must be " ~ what ~ ", not " ~ (shown | tojson)
        ~ " (set it in transform/dbt_project.yml vars, or --vars)") }}
{%- endmacro %}
