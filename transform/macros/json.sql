{#- JSON text columns (dlt loads nested vendor values as JSON text): one macro per need, dispatched per
    adapter, so models stay portable. `path` is a dotted path of object keys. -#}

{% macro json_str(column, path) -%}{{ return(adapter.dispatch('json_str')(column, path)) }}{%- endmacro %}

{% macro default__json_str(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}

{% macro postgres__json_str(column, path) -%}
    (({{ column }})::jsonb #>> '{ {{- path.split('.') | join(',') -}} }')
{%- endmacro %}

{# The value at `path` (a JSON object), then one row per key of it: use in a select list. #}
{% macro json_each_key(column, path=none) -%}{{ return(adapter.dispatch('json_each_key')(column, path)) }}{%- endmacro %}

{% macro default__json_each_key(column, path) -%}
    unnest(json_keys({{ column }}{% if path %}, '$.{{ path }}'{% endif %}))
{%- endmacro %}

{% macro postgres__json_each_key(column, path) -%}
    jsonb_object_keys(({{ column }})::jsonb{% if path %} #> '{ {{- path.split('.') | join(',') -}} }'{% endif %})
{%- endmacro %}

{# The text of the value at key `key_expr` (a SQL expression) under `path`, then `sub` (dotted). #}
{% macro json_str_at(column, key_expr, sub) -%}{{ return(adapter.dispatch('json_str_at')(column, key_expr, sub)) }}{%- endmacro %}

{% macro default__json_str_at(column, key_expr, sub) -%}
    json_extract_string({{ column }}, '$."' || {{ key_expr }} || '".{{ sub }}')
{%- endmacro %}

{% macro postgres__json_str_at(column, key_expr, sub) -%}
    (({{ column }})::jsonb -> ({{ key_expr }}) #>> '{ {{- sub.split('.') | join(',') -}} }')
{%- endmacro %}
