with source as (
    select * from {{ source('netsuite', 'billing_schedule') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as billing_schedule_id,
        externalid as billing_schedule_external_id,
        cast(job as {{ dbt.type_string() }}) as job_id,
        cast(currency as {{ dbt.type_string() }}) as currency_id,

        -- attributes
        name as billing_schedule_name,
        scheduletype as schedule_type,
        frequency,
        coalesce(isinactive, false) as is_inactive,

        -- metadata
        datecreated as created_at,
        lastmodifieddate as last_modified_at
    from source
)

select * from renamed
