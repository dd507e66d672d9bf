-- One row per Salesforce Account, soft-deleted ones included (queryAll): is_deleted flags them.
with source as (
    select * from {{ source('salesforce', 'account') }}
),

renamed as (
    select
        -- ids
        id as crm_account_id,
        owner_id as crm_owner_id,

        -- attributes
        name as account_name,
        type as account_type,
        industry,
        billing_country as country_code,
        currency_iso_code as currency_code,
        is_deleted,

        -- dates
        created_date as created_at,
        last_modified_date as last_modified_at,

        -- metadata
        system_modstamp as system_modstamp_at

    from source
)

select * from renamed
