-- One row per approved change order that puts a rate in force on a time-and-materials contract (a row of
-- fct_contract_rates; a change order wholly superseded on its own effective date has none and nothing to
-- propagate), with whether and when the PSA rate cards reflect it. Reflected when, for every project of the
-- contract that has a rate card, a version of that card prices every role the change order lists at its rate
-- (a role not on the card at the version's default rate). A project reflects it at the first such version's
-- created_at, or the matching role rows' latest change when later (Kantata edits rates in place; a later
-- unrelated edit can only overstate the time); the change order is reflected when its last project is.
with amendments as (
    select
        amendment_key,
        contract_key,
        approved_at,
        effective_date
    from {{ ref('fct_contract_amendments') }}
    where status = {{ clm_approved_status() }} and version_number is not null and contract_key is not null
),

contracts as (
    select contract_key from {{ ref('dim_contracts') }}
    where billing_model = 'time_and_materials'
),

amendment_rates as (
    select
        rates.contract_key,
        rates.amendment_key,
        rates.role,
        rates.bill_rate_amount
    from {{ ref('fct_contract_rates') }} as rates
    inner join amendments on amendments.amendment_key = rates.amendment_key
    inner join contracts on contracts.contract_key = rates.contract_key
),

amendment_role_counts as (
    select
        amendment_key,
        count(*) as role_count
    from amendment_rates
    group by amendment_key
),

contract_cards as (
    select
        contract_key,
        project_key,
        psa_rate_card_id
    from {{ ref('dim_projects') }}
    where contract_key is not null and psa_rate_card_id is not null
),

card_versions as (
    select
        rate_card_id,
        rate_card_version_id,
        default_rate_amount,
        created_at
    from {{ ref('stg_kantata__rate_card_versions') }}
),

card_roles as (
    select
        card_roles.rate_card_version_id,
        psa_roles.role,
        card_roles.rate_amount,
        coalesce(card_roles.updated_at, card_roles.created_at) as changed_at
    from {{ ref('stg_kantata__rate_card_roles') }} as card_roles
    inner join {{ ref('stg_kantata__roles') }} as psa_roles on psa_roles.role_id = card_roles.role_id
),

version_matches as (  -- per change order × project × card version: how many of its roles carry its rate
    select
        amendment_rates.amendment_key,
        contract_cards.project_key,
        card_versions.rate_card_version_id,
        max(card_versions.created_at) as version_created_at,
        max(card_roles.changed_at) as roles_changed_at,
        sum(case when coalesce(card_roles.rate_amount, card_versions.default_rate_amount)
                = amendment_rates.bill_rate_amount then 1
            else 0
        end) as matching_roles
    from amendment_rates
    inner join contract_cards on contract_cards.contract_key = amendment_rates.contract_key
    inner join card_versions on card_versions.rate_card_id = contract_cards.psa_rate_card_id
    left join card_roles
        on card_roles.rate_card_version_id = card_versions.rate_card_version_id
            and card_roles.role = amendment_rates.role
    group by amendment_rates.amendment_key, contract_cards.project_key, card_versions.rate_card_version_id
),

project_reflections as (
    select
        version_matches.amendment_key,
        version_matches.project_key,
        min(case when version_matches.roles_changed_at > version_matches.version_created_at
                then version_matches.roles_changed_at
            else version_matches.version_created_at
        end) as reflected_at
    from version_matches
    inner join amendment_role_counts on amendment_role_counts.amendment_key = version_matches.amendment_key
    where version_matches.matching_roles = amendment_role_counts.role_count
    group by version_matches.amendment_key, version_matches.project_key
),

per_amendment as (
    select
        amendments.amendment_key,
        amendments.contract_key,
        amendments.approved_at,
        amendments.effective_date,
        count(contract_cards.project_key) as card_project_count,
        count(project_reflections.project_key) as reflecting_project_count,
        max(project_reflections.reflected_at) as last_project_reflected_at
    from amendments
    inner join amendment_role_counts on amendment_role_counts.amendment_key = amendments.amendment_key
    left join contract_cards on contract_cards.contract_key = amendments.contract_key
    left join project_reflections
        on project_reflections.amendment_key = amendments.amendment_key
            and project_reflections.project_key = contract_cards.project_key
    group by amendments.amendment_key, amendments.contract_key, amendments.approved_at, amendments.effective_date
)

select
    amendment_key,
    contract_key,
    approved_at,
    effective_date,
    card_project_count,
    reflecting_project_count,
    card_project_count > 0 and reflecting_project_count = card_project_count as is_reflected,
    case when card_project_count > 0 and reflecting_project_count = card_project_count
            then last_project_reflected_at
    end as reflected_at
from per_amendment
