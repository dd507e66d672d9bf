{#- Conversion to the reporting currency: the ERP's rate in force on a date, one rule for every model.

    left_join_fx_rate_in_force(alias, currency, on_date): a LEFT JOIN of fct_fx_rates as `alias` on the row in
    force for `currency` on `on_date` — rate_date <= on_date < valid_to_date (null valid_to_date: still in
    force), i.e. the latest ERP rate on or before the date. At most one row matches (one rate per currency and
    date); no match leaves the alias's columns null.

    fx_month_rate_date(month_end_date): the date a month's cells convert at — the month's last day, or the as-of
    date while the month is not over yet (the earlier of the two). -#}

{% macro left_join_fx_rate_in_force(alias, currency, on_date) -%}
left join {{ ref('fct_fx_rates') }} as {{ alias }}
        on {{ alias }}.currency_code = {{ currency }}
        and {{ alias }}.rate_date <= {{ on_date }}
        and ({{ alias }}.valid_to_date is null or {{ alias }}.valid_to_date > {{ on_date }})
{%- endmacro %}

{% macro fx_month_rate_date(month_end_date) -%}
    case when {{ month_end_date }} < {{ as_of_date() }} then {{ month_end_date }} else {{ as_of_date() }} end
{%- endmacro %}
