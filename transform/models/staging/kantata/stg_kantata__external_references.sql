with source as (
    select * from {{ source('kantata', 'external_references') }}
),

renamed as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as external_reference_id,
        -- subject_id arrives as an integer while the subjects' own ids are strings: cast once here
        cast(subject_id as {{ dbt.type_string() }}) as subject_id,
        service_model_ref,

        -- attributes
        subject_type,
        service_name,
        service_model,
        status,
        external_status,
        coalesce(locked, false) as is_locked,

        -- metadata
        created_at,
        updated_at,
        last_synced_at
    from source
)

select * from renamed
