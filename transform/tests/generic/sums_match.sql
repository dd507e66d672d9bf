{#- Money identities between a header and its lines.

    sums_match: every row's `column_name` equals the sum of `field` over the rows of `to` with the same key
    (`key` on the model, `to_key` on `to`, default the same name); a header without lines must be 0. Fails
    with one row per header that differs, showing both amounts.

    sum_at_most: per key, the sum of `column_name` over the model's rows is at most the sum of `field` over the
    rows of `to` with that key, for every key `to` has (e.g. invoiced <= scheduled per contract with a
    schedule). Fails with one row per key over the limit. -#}

{% test sums_match(model, column_name, to, field, key, to_key=none) %}
{%- set to_key = to_key or key %}
with lines as (
    select {{ to_key }} as match_key, sum({{ field }}) as lines_amount
    from {{ to }}
    group by {{ to_key }}
)

select
    headers.{{ key }} as match_key,
    headers.{{ column_name }} as header_amount,
    coalesce(lines.lines_amount, 0) as lines_amount
from {{ model }} as headers
left join lines on lines.match_key = headers.{{ key }}
where headers.{{ column_name }} is null
    or headers.{{ column_name }} <> coalesce(lines.lines_amount, 0)
{% endtest %}

{% test sum_at_most(model, column_name, to, field, key, to_key=none) %}
{%- set to_key = to_key or key %}
with totals as (
    select {{ key }} as match_key, sum({{ column_name }}) as total_amount
    from {{ model }}
    where {{ key }} is not null
    group by {{ key }}
),

limits as (
    select {{ to_key }} as match_key, sum({{ field }}) as limit_amount
    from {{ to }}
    where {{ to_key }} is not null
    group by {{ to_key }}
)

select
    limits.match_key,
    coalesce(totals.total_amount, 0) as total_amount,
    limits.limit_amount
from limits
left join totals on totals.match_key = limits.match_key
where coalesce(totals.total_amount, 0) > limits.limit_amount
{% endtest %}
