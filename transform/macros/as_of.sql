{# The as-of date of every rule: var as_of_date (YYYY-MM-DD), else the run's start date (UTC). #}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', '') -%}
    cast('{{ value if value else run_started_at.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}
