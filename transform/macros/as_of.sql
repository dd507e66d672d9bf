{# The as-of date of every rule: var as_of_date (YYYY-MM-DD), else the run's start date (UTC). The var is
   rendered into SQL, so anything but a calendar date YYYY-MM-DD is a compilation error, never SQL. #}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', '') | string -%}
    {%- if value and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a date YYYY-MM-DD, got " ~ (value[:40] | tojson)) }}
    {%- endif -%}
    cast('{{ value if value else run_started_at.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}
