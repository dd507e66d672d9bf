-- One PSA expense, in its project's currency, with its project, contract (from the project's SOW
-- reference) and consultant. Billable expenses count in delivered value (over_cap) and in cost. Quarantined
-- expenses (int_psa_records_quarantined: a missing or negative amount) are left out.
with expenses as (
    select * from {{ ref('stg_kantata__expenses') }} as psa_expenses
    where not exists (
            select 1 from {{ ref('int_psa_records_quarantined') }} as quarantined
            where quarantined.record_type = 'expense' and quarantined.is_excluded
                and quarantined.psa_record_id = psa_expenses.expense_id
        )
),

projects as (
    select * from {{ ref('int_psa_projects_linked_to_contracts') }}
)

select
    -- ids
    cast({{ surrogate_key('expense', 'expenses.expense_id') }} as {{ dbt.type_string() }}) as expense_key,
    cast(expenses.expense_id as {{ dbt.type_string() }}) as psa_expense_id,
    cast({{ surrogate_key('project', 'expenses.workspace_id') }} as {{ dbt.type_string() }}) as project_key,
    cast(expenses.workspace_id as {{ dbt.type_string() }}) as psa_project_id,
    cast({{ surrogate_key('contract', 'projects.clm_contract_id') }} as {{ dbt.type_string() }}) as contract_key,
    cast(projects.clm_contract_id as {{ dbt.type_string() }}) as clm_contract_id,
    cast({{ surrogate_key('consultant', 'expenses.user_id') }} as {{ dbt.type_string() }}) as consultant_key,
    cast(expenses.user_id as {{ dbt.type_string() }}) as psa_user_id,
    cast(expenses.invoice_id as {{ dbt.type_string() }}) as psa_invoice_id,

    -- attributes
    cast(expenses.category as {{ dbt.type_string() }}) as category,
    cast(expenses.notes as {{ dbt.type_string() }}) as notes,
    cast(expenses.is_billable as boolean) as is_billable,
    cast(expenses.is_invoiced as boolean) as is_invoiced,

    -- amounts
    cast(expenses.expense_amount as {{ money_type() }}) as expense_amount,
    cast(expenses.currency_code as {{ dbt.type_string() }}) as currency_code,

    -- dates
    cast(expenses.expense_date as date) as expense_date,

    -- metadata
    cast(expenses.created_at as timestamp with time zone) as created_at,
    cast(expenses.updated_at as timestamp with time zone) as updated_at
from expenses
left join projects on projects.workspace_id = expenses.workspace_id
