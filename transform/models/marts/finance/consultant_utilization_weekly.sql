-- Grain: one row per consultant × ISO week (Monday to Sunday), for every week from the consultant's first
-- week with time to their last (weeks without any time in between are kept, at zero hours, so averages are
-- not inflated). Utilization = billable hours ÷ capacity; capacity is var utilization_weekly_capacity_hours
-- (default 40 h per week). Hours come from the PSA's whole minutes, exactly (minutes ÷ 60 to 1e-9).
{%- set capacity_hours = config_number_var('utilization_weekly_capacity_hours', 40) %}
with entries as (
    select
        consultant_key,
        cast({{ dbt.date_trunc('week', 'work_date') }} as date) as week_start_date,
        minutes,
        is_billable
    from {{ ref('fct_time_entries') }}
    where consultant_key is not null and work_date is not null
),

consultants as (
    select * from {{ ref('dim_consultants') }}
),

weeks as (
    select date_day as week_start_date
    from {{ ref('all_dates') }}
    where extract(isodow from date_day) = 1
),

consultant_ranges as (
    select
        consultant_key,
        min(week_start_date) as first_week_start_date,
        max(week_start_date) as last_week_start_date
    from entries
    group by consultant_key
),

consultant_weeks as (
    select
        consultant_ranges.consultant_key,
        weeks.week_start_date
    from consultant_ranges
    inner join weeks
        on weeks.week_start_date >= consultant_ranges.first_week_start_date
            and weeks.week_start_date <= consultant_ranges.last_week_start_date
),

weekly as (
    select
        consultant_key,
        week_start_date,
        sum(minutes) as total_minutes,
        sum(case when is_billable then minutes else 0 end) as billable_minutes
    from entries
    group by consultant_key, week_start_date
),

measured as (
    select
        consultant_weeks.consultant_key,
        consultant_weeks.week_start_date,
        coalesce(weekly.total_minutes, 0) as total_minutes,
        coalesce(weekly.billable_minutes, 0) as billable_minutes,
        cast({{ capacity_hours }} as {{ money_type() }}) as capacity_hours
    from consultant_weeks
    left join weekly
        on weekly.consultant_key = consultant_weeks.consultant_key
            and weekly.week_start_date = consultant_weeks.week_start_date
)

select
    -- ids
    cast(
        {{ surrogate_key('consultant_week',
        "measured.consultant_key || '|' || cast(measured.week_start_date as " ~ dbt.type_string() ~ ")") }}
        as {{ dbt.type_string() }}
    ) as consultant_week_key,
    cast(measured.consultant_key as {{ dbt.type_string() }}) as consultant_key,
    cast(consultants.psa_user_id as {{ dbt.type_string() }}) as psa_user_id,

    -- attributes
    cast(consultants.consultant_name as {{ dbt.type_string() }}) as consultant_name,
    cast(consultants.role as {{ dbt.type_string() }}) as role,
    cast(consultants.region as {{ dbt.type_string() }}) as region,
    cast(extract(isoyear from measured.week_start_date) as integer) as iso_year,
    cast(extract(week from measured.week_start_date) as integer) as iso_week,
    cast(measured.total_minutes as integer) as total_minutes,
    cast(measured.billable_minutes as integer) as billable_minutes,
    cast({{ delivery_hours_from_minutes('measured.total_minutes') }} as {{ money_type() }}) as total_hours,
    cast({{ delivery_hours_from_minutes('measured.billable_minutes') }} as {{ money_type() }}) as billable_hours,
    cast({{ delivery_hours_from_minutes('measured.total_minutes - measured.billable_minutes') }} as {{ money_type() }})
        as non_billable_hours,
    cast(measured.capacity_hours as {{ money_type() }}) as capacity_hours,
    cast({{ exact_ratio('measured.billable_minutes', '60 * measured.capacity_hours', 4) }} as {{ money_type() }})
        as utilization_rate,
    cast({{ exact_ratio('measured.total_minutes', '60 * measured.capacity_hours', 4) }} as {{ money_type() }})
        as total_utilization_rate,

    -- dates
    cast(measured.week_start_date as date) as week_start_date
from measured
left join consultants on consultants.consultant_key = measured.consultant_key
