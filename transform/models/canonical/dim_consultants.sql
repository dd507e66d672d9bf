-- One person in the PSA (Kantata user), with the default role and cost rate of their account membership
-- and the region of their country.
with users as (
    select * from {{ ref('stg_kantata__users') }}
),

memberships as (
    select
        *,
        row_number()
            over (
                partition by user_id
                order by updated_at desc nulls last, account_membership_id desc
            )
            as membership_rank
    from {{ ref('stg_kantata__account_memberships') }}
),

roles as (
    select * from {{ ref('stg_kantata__roles') }}
)

select
    -- ids
    cast({{ surrogate_key('consultant', 'users.user_id') }} as {{ dbt.type_string() }}) as consultant_key,
    cast(users.user_id as {{ dbt.type_string() }}) as psa_user_id,
    cast(memberships.default_role_id as {{ dbt.type_string() }}) as psa_role_id,

    -- attributes
    cast(users.full_name as {{ dbt.type_string() }}) as consultant_name,
    cast(users.email_address as {{ dbt.type_string() }}) as email_address,
    cast(roles.role as {{ dbt.type_string() }}) as role,
    cast(roles.role_name as {{ dbt.type_string() }}) as role_name,
    cast(users.headline as {{ dbt.type_string() }}) as headline,
    cast(users.classification as {{ dbt.type_string() }}) as classification,
    cast(users.country_code as {{ dbt.type_string() }}) as country_code,
    cast({{ delivery_region_of_country('users.country_code') }} as {{ dbt.type_string() }}) as region,

    -- amounts
    cast(memberships.cost_rate_amount as {{ money_type() }}) as cost_rate_amount,
    cast(memberships.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- metadata
    cast(users.created_at as timestamp with time zone) as created_at,
    cast(users.updated_at as timestamp with time zone) as updated_at
from users
left join memberships
    on memberships.user_id = users.user_id
        and memberships.membership_rank = 1
left join roles on roles.role_id = memberships.default_role_id
