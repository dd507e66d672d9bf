{#- Money is exact: DECIMAL(38,9) everywhere (dlt's decimal), rounded half away from zero to the
    currency's minor unit only where an amount is formed (CONTRACT_TO_CASH.md "Money"). DuckDB's decimal
    division returns DOUBLE, so division of money goes through `money_div`, in integers. -#}

{% macro money_type() -%}decimal(38, 9){%- endmacro %}

{# The minor unit (decimals) of an ISO 4217 code; unknown codes give null (and fail the not_null tests). #}
{% macro minor_unit(currency) -%}
    case {{ currency }} when 'JPY' then 0 when 'KRW' then 0 when 'KWD' then 3 when 'BHD' then 3 when 'OMR' then 3
        when 'USD' then 2 when 'EUR' then 2 when 'GBP' then 2 when 'CHF' then 2 when 'CAD' then 2 when 'AUD' then 2 end
{%- endmacro %}

{# One minor unit of the currency as an amount (JPY 1, USD 0.01, KWD 0.001): the least difference that counts. #}
{% macro minor_unit_amount(currency) -%}
    cast(case {{ minor_unit(currency) }} when 0 then 1 when 2 then 0.01 when 3 then 0.001 end as {{ money_type() }})
{%- endmacro %}

{# Round an exact decimal to the currency's minor unit (half away from zero, in both adapters). #}
{% macro round_money(amount, currency) -%}
    case {{ minor_unit(currency) }}
        when 0 then cast(round({{ amount }}, 0) as {{ money_type() }})
        when 2 then cast(round({{ amount }}, 2) as {{ money_type() }})
        when 3 then cast(round({{ amount }}, 3) as {{ money_type() }})
    end
{%- endmacro %}

{% macro int_div(a, b) -%}{{ return(adapter.dispatch('int_div')(a, b)) }}{%- endmacro %}
{% macro default__int_div(a, b) -%}(({{ a }}) // ({{ b }})){%- endmacro %}
{% macro postgres__int_div(a, b) -%}div({{ a }}, {{ b }}){%- endmacro %}

{% macro big_int_type() -%}{{ return(adapter.dispatch('big_int_type')()) }}{%- endmacro %}
{% macro default__big_int_type() -%}hugeint{%- endmacro %}
{% macro postgres__big_int_type() -%}numeric(38, 0){%- endmacro %}

{#- numerator / denominator (a positive integer expression, e.g. 60 for minutes), exactly, rounded half
    away from zero to the currency's minor unit: in integers of 1e-9 units, so no binary float is involved. -#}
{% macro money_div(numerator, denominator, currency) -%}
    case {{ minor_unit(currency) }}
        when 0 then {{ _money_div(numerator, denominator, 0) }}
        when 2 then {{ _money_div(numerator, denominator, 2) }}
        when 3 then {{ _money_div(numerator, denominator, 3) }}
    end
{%- endmacro %}

{% macro _money_div(numerator, denominator, minor) -%}
    {%- set scaled = "cast(cast((" ~ numerator ~ ") as " ~ money_type() ~ ") * 1000000000 as " ~ big_int_type() ~ ")" -%}
    {%- set den = "cast((" ~ denominator ~ ") as " ~ big_int_type() ~ ") * " ~ (10 ** (9 - minor)) -%}
    cast(
        cast(
            (case when ({{ numerator }}) < 0 then -1 else 1 end)
            * {{ int_div("2 * abs(" ~ scaled ~ ") + " ~ den, "2 * " ~ den) }}
            as {{ money_type() }}
        ) * {{ '1' if minor == 0 else ('0.' ~ '0' * (minor - 1) ~ '1') }}
    as {{ money_type() }})
{%- endmacro %}
