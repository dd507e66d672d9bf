{#- Ratios and percentiles for the finance marts and KPIs, portable across adapters. -#}

{#- numerator / denominator, exactly, rounded half away from zero to `scale` decimals (at most 9), as
    decimal(38, 9); null when the denominator is 0 or null. Both sides may be any decimal or integer
    expression (money, minutes, counts): each is scaled to integers of 1e-9 units, so no binary float and no
    DuckDB decimal division (which returns DOUBLE) is involved. Use it for margin %, utilization, months of
    backlog, conversion rates and seconds → days; money ÷ a positive integer stays with money_div. -#}
{% macro exact_ratio(numerator, denominator, scale=9) -%}
    {%- set n = "cast(cast((" ~ numerator ~ ") as " ~ money_type() ~ ") * 1000000000 as " ~ big_int_type() ~ ")" -%}
    {%- set d = "cast(cast((" ~ denominator ~ ") as " ~ money_type() ~ ") * 1000000000 as " ~ big_int_type() ~ ")" -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 or ({{ numerator }}) is null then null
        else cast(
            cast(
                (case when ({{ numerator }}) < 0 then -1 else 1 end)
                * (case when ({{ denominator }}) < 0 then -1 else 1 end)
                * {{ int_div("2 * abs(" ~ n ~ ") * " ~ (10 ** scale) ~ " + abs(" ~ d ~ ")", "2 * abs(" ~ d ~ ")") }}
                as {{ money_type() }}
            ) * {{ '1' if scale == 0 else ('0.' ~ '0' * (scale - 1) ~ '1') }}
        as {{ money_type() }})
    end
{%- endmacro %}

{#- The continuous percentile (linear interpolation) of `expr` at `fraction` (0.5 = median), as an
    aggregate: DuckDB quantile_cont, PostgreSQL percentile_cont … within group. Both return a float:
    cast the result (KPIs are statistics, not money). -#}
{% macro percentile_cont(expr, fraction) -%}{{ return(adapter.dispatch('percentile_cont')(expr, fraction)) }}{%- endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro postgres__percentile_cont(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{#- The last day of the month that starts on `month_start_expr` (a date), as a date. -#}
{% macro month_end(month_start_expr) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, month_start_expr)) }} as date)
{%- endmacro %}
