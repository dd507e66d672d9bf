{#- Delivery (PSA) conventions, portable across adapters. -#}

{#- The contract role of a PSA role name: lower case, every run of characters other than a-z/0-9 becomes
    one "_", no leading/trailing "_" ("Senior Consultant" -> senior_consultant, "Sr. Dev-Ops" -> sr_dev_ops),
    the same slug as the Ironclad rate_<role> property names. -#}
{% macro delivery_role_slug(name) -%}{{ return(adapter.dispatch('delivery_role_slug')(name)) }}{%- endmacro %}

{% macro default__delivery_role_slug(name) -%}
    trim(both '_' from regexp_replace(lower({{ name }}), '[^a-z0-9]+', '_', 'g'))
{%- endmacro %}

{% macro postgres__delivery_role_slug(name) -%}
    trim(both '_' from regexp_replace(lower({{ name }}), '[^a-z0-9]+', '_', 'g'))
{%- endmacro %}

{#- The UTC calendar date of a timestamp with time zone (independent of the connection's time zone setting). -#}
{% macro delivery_utc_date(ts) -%}{{ return(adapter.dispatch('delivery_utc_date')(ts)) }}{%- endmacro %}

{% macro default__delivery_utc_date(ts) -%}
    cast(({{ ts }}) at time zone 'UTC' as date)
{%- endmacro %}

{#- Hours from whole minutes as decimal(38, 9): minutes / 60 computed in integers and rounded half away from
    zero at 1e-9 (no binary float, no decimal division). Money from time never uses this: it is
    rate × minutes / 60 through money_div, rounded once where an amount is formed. -#}
{% macro delivery_hours_from_minutes(minutes) -%}
    {#- widen first: an integer column times 1e9 overflows a 32-bit integer before money_div's cast -#}
    {{ _money_div('cast(' ~ minutes ~ ' as ' ~ big_int_type() ~ ')', '60', 9) }}
{%- endmacro %}

{#- Region of an ISO country code (the firm's regions: NA, EMEA, APAC, MEA); unknown countries give null. -#}
{% macro delivery_region_of_country(country_code) -%}
    case
        when {{ country_code }} in ('US', 'CA', 'MX') then 'NA'
        when {{ country_code }} in ('DE', 'FR', 'NL', 'GB', 'IE', 'ES', 'IT', 'BE', 'AT', 'CH', 'SE', 'DK', 'NO', 'FI', 'PL', 'PT') then 'EMEA'
        when {{ country_code }} in ('JP', 'AU', 'NZ', 'SG', 'IN', 'CN', 'KR', 'HK') then 'APAC'
        when {{ country_code }} in ('KW', 'BH', 'OM', 'QA', 'SA', 'AE') then 'MEA'
    end
{%- endmacro %}
