-- One row per Salesforce Opportunity (Amount = the signed contract value), soft-deleted ones included.
with source as (
    select * from {{ source('salesforce', 'opportunity') }}
),

renamed as (
    select
        -- ids
        id as crm_opportunity_id,
        account_id as crm_account_id,

        -- attributes
        name as opportunity_name,
        stage_name,
        type as opportunity_type,
        is_won,
        is_closed,
        is_deleted,

        -- amounts
        cast(amount as {{ money_type() }}) as amount,
        currency_iso_code as currency_code,

        -- dates
        close_date,
        created_date as created_at,
        last_modified_date as last_modified_at,

        -- metadata
        system_modstamp as system_modstamp_at

    from source
)

select * from renamed
