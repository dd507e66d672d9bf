{#- A source that may not exist yet (the reverse_etl schema appears on the first `c2c reverse-etl plan`):
    source_exists() is true when the relation is in the warehouse. source() is called either way, so dbt
    records the dependency at parse time. -#}
{% macro source_exists(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
                                         identifier=relation.identifier) -%}
    {{ return(found is not none) }}
{% endmacro %}
