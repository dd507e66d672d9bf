{#- JSON macros the contract models need beyond macros/json.sql, dispatched per adapter. -#}

{# The text of `sub` (a dotted path of object keys) inside the FIRST element of the JSON array in `column`. #}
{% macro json_str_first_element(column, sub) -%}{{ return(adapter.dispatch('json_str_first_element')(column, sub)) }}{%- endmacro %}

{% macro default__json_str_first_element(column, sub) -%}
    json_extract_string({{ column }}, '$[0].{{ sub }}')
{%- endmacro %}

{% macro postgres__json_str_first_element(column, sub) -%}
    (({{ column }})::jsonb #>> '{0,{{- sub.split('.') | join(',') -}} }')
{%- endmacro %}
