-- One row per Salesforce Contact, soft-deleted ones included.
with source as (
    select * from {{ source('salesforce', 'contact') }}
),

renamed as (
    select
        -- ids
        id as crm_contact_id,
        account_id as crm_account_id,

        -- attributes
        first_name,
        last_name,
        email,
        title,
        is_deleted,

        -- dates
        created_date as created_at,
        last_modified_date as last_modified_at,

        -- metadata
        system_modstamp as system_modstamp_at

    from source
)

select * from renamed
