{#- Fails on every row of the model for which `expression` (a SQL boolean over the model's columns) is not
    true; a null result counts as a failure. For money identities within one row, e.g.
    `net_amount + tax_amount = total_amount`. Optional `where`: only rows that satisfy it are checked. -#}
{% test expression_is_true(model, expression, where=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{%- if where %}
    and ({{ where }})
{%- endif %}
{% endtest %}
