-- One (PSA project, role) on the project's rate card: the bill rate the PSA prices that role at on the
-- as-of date (the card's version in force then). Roles not on the card are priced at the version's default
-- rate (dim_projects.psa_default_bill_rate_amount) and have no row here. Used by rate_card_mismatch.
with projects as (
    select * from {{ ref('dim_projects') }}
),

card_roles as (
    select * from {{ ref('stg_kantata__rate_card_roles') }}
),

versions as (
    select * from {{ ref('stg_kantata__rate_card_versions') }}
),

roles as (
    select * from {{ ref('stg_kantata__roles') }}
)

select
    -- ids
    cast(
        {{ surrogate_key('psa_rate_card_role', "projects.psa_project_id || ':' || card_roles.role_id") }}
        as {{ dbt.type_string() }}
    ) as psa_rate_card_role_key,
    cast(projects.project_key as {{ dbt.type_string() }}) as project_key,
    cast(projects.psa_project_id as {{ dbt.type_string() }}) as psa_project_id,
    cast(projects.contract_key as {{ dbt.type_string() }}) as contract_key,
    cast(projects.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast(projects.psa_rate_card_id as {{ dbt.type_string() }}) as psa_rate_card_id,
    cast(card_roles.rate_card_version_id as {{ dbt.type_string() }}) as psa_rate_card_version_id,
    cast(card_roles.role_id as {{ dbt.type_string() }}) as psa_role_id,

    -- attributes
    cast(roles.role as {{ dbt.type_string() }}) as role,
    cast(roles.role_name as {{ dbt.type_string() }}) as role_name,

    -- amounts
    cast(card_roles.rate_amount as {{ money_type() }}) as psa_bill_rate_amount,
    cast(versions.currency_code as {{ dbt.type_string() }}) as currency_code
from projects
inner join card_roles on card_roles.rate_card_version_id = projects.psa_rate_card_version_id
inner join versions on versions.rate_card_version_id = card_roles.rate_card_version_id
left join roles on roles.role_id = card_roles.role_id
