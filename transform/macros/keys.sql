{#- Surrogate keys: md5 of "<entity>:<natural id>", the same in every model and adapter, so a fact can
    carry the key of a dimension without joining to it (and a dangling link keeps its key, which the
    coverage rules then find missing in the dimension). -#}
{% macro surrogate_key(entity, natural_id) -%}
    case when ({{ natural_id }}) is null then null
         else {{ dbt.hash("'" ~ entity ~ ":' || cast(" ~ natural_id ~ " as " ~ dbt.type_string() ~ ")") }} end
{%- endmacro %}
