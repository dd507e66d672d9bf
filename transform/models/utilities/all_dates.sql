-- One row per calendar day over the firm's history, with the business-day flag (Monday–Friday) and a
-- running business-day number, so "N business days after" is a subtraction in any warehouse.
with spine as (
    {{ dbt.date_spine(
        datepart="day", start_date="cast('2015-01-01' as date)", end_date="cast('2035-12-31' as date)"
    ) }}  -- noqa: LT15 (dbt.date_spine's own output has blank lines)
),

days as (
    select cast(date_day as date) as date_day from spine
),

flagged as (
    select
        date_day,
        {{ dbt.date_trunc("month", "date_day") }} as month_start,
        extract(isodow from date_day) between 1 and 5 as is_business_day
    from days
)

select
    date_day,
    cast(month_start as date) as month_start,
    is_business_day,
    sum(case when is_business_day then 1 else 0 end)
        over (
            order by date_day rows unbounded preceding
        )
        as business_day_number
from flagged
