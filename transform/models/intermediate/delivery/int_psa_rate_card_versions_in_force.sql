-- One row per PSA rate card: the version in force on the as-of date, as Kantata prices time with it — the
-- latest version created on or before that date (UTC), else (a card created later) its earliest version.
with versions as (
    select * from {{ ref('stg_kantata__rate_card_versions') }}
),

ranked as (
    select
        rate_card_id,
        rate_card_version_id,
        currency_code,
        default_rate_amount,
        row_number() over (
            partition by rate_card_id
            order by
                case when {{ delivery_utc_date('created_at') }} <= {{ as_of_date() }} then 0 else 1 end,
                case
                    when {{ delivery_utc_date('created_at') }} <= {{ as_of_date() }} then created_at
                end desc nulls last,
                created_at,
                rate_card_version_id asc
        ) as version_rank
    from versions
)

select
    rate_card_id,
    rate_card_version_id,
    currency_code,
    default_rate_amount
from ranked
where version_rank = 1
