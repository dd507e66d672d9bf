{# 'YYYY-MM' of a date (retainer line keys, revenue months). #}
{% macro month_key(date_expr) -%}{{ return(adapter.dispatch('month_key')(date_expr)) }}{%- endmacro %}
{% macro default__month_key(date_expr) -%}strftime({{ date_expr }}, '%Y-%m'){%- endmacro %}
{% macro postgres__month_key(date_expr) -%}to_char({{ date_expr }}, 'YYYY-MM'){%- endmacro %}

{# First day of the month of a date, as a date. #}
{% macro month_start(date_expr) -%}cast({{ dbt.date_trunc('month', date_expr) }} as date){%- endmacro %}
