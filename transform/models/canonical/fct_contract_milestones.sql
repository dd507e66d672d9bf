-- One row per milestone of the CURRENT contract version (every approved change order applied in version
-- order): its name, amount and planned date, and the change order that last changed it (null when it is
-- as signed). Each attribute takes the latest version that states it; a milestone marked removed is gone,
-- unless a later version states it again (then only what that later version states counts).
with milestone_terms as (
    select * from {{ ref('int_contract_terms_versioned') }}
    where term_kind like 'milestone%'
),

removals as (
    select
        contract_key,
        milestone_code,
        max(version_number) as removed_in_version
    from milestone_terms
    where term_kind = 'milestone_removed' and is_removed
    group by contract_key, milestone_code
),

live_terms as (
    select milestone_terms.*
    from milestone_terms
    left join removals
        on removals.contract_key = milestone_terms.contract_key
            and removals.milestone_code = milestone_terms.milestone_code
    where milestone_terms.term_kind in ('milestone_amount', 'milestone_date', 'milestone_name')
        and (removals.removed_in_version is null or milestone_terms.version_number > removals.removed_in_version)
),

latest as (
    select
        *,
        row_number() over (
            partition by contract_key, milestone_code, term_kind
            order by version_number desc
        ) as recency
    from live_terms
),

milestones as (
    select
        contract_key,
        clm_contract_id,
        milestone_code,
        max(case when term_kind = 'milestone_name' then value_text end) as milestone_name,
        max(case when term_kind = 'milestone_amount' then amount end) as milestone_amount,
        max(case when term_kind = 'milestone_amount' then currency_code end) as currency_code,
        max(case when term_kind = 'milestone_date' then term_date end) as planned_date,
        max(version_number) as last_changed_version_number
    from latest
    where recency = 1
    group by contract_key, clm_contract_id, milestone_code
),

last_changes as (
    select distinct
        contract_key,
        version_number,
        amendment_key
    from milestone_terms
)

select
    -- ids
    {{ surrogate_key('milestone', "milestones.clm_contract_id || '-' || milestones.milestone_code") }} as milestone_key,
    milestones.contract_key,
    cast(milestones.clm_contract_id || '-' || milestones.milestone_code as {{ dbt.type_string() }}) as milestone_id,
    last_changes.amendment_key as last_changed_by_amendment_key,

    -- attributes
    cast(milestones.milestone_name as {{ dbt.type_string() }}) as milestone_name,
    cast(milestones.last_changed_version_number as integer) as last_changed_version_number,

    -- amounts
    cast(milestones.milestone_amount as {{ money_type() }}) as milestone_amount,
    cast(milestones.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(milestones.planned_date as date) as planned_date
from milestones
left join last_changes
    on last_changes.contract_key = milestones.contract_key
        and last_changes.version_number = milestones.last_changed_version_number
