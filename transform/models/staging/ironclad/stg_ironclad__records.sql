-- One row per Ironclad record (MSA, SOW or change order), with the terms left in `properties_json`
-- (int_contract_terms_unpivoted turns them into one row per property).
with source as (
    select * from {{ source('ironclad', 'records') }}
),

renamed as (
    select
        -- ids
        id as clm_record_id,
        ironclad_id as clm_contract_id,
        parent_id as clm_parent_record_id,
        {{ json_str_first_element('links', 'recordId') }} as clm_linked_record_id,

        -- attributes
        type as record_type,
        name as record_name,
        parent_link_type,
        {{ json_str('contract_status', 'status') }} as lifecycle_status,
        {{ json_str('contract_status', 'enhancedStatus') }} as lifecycle_enhanced_status,
        child_ids as child_record_ids_json,
        amendments as amendment_ids_json,
        properties as properties_json,

        -- dates
        cast({{ json_str('contract_status', 'eventDate') }} as timestamp with time zone) as lifecycle_event_at,

        -- metadata
        last_updated as last_updated_at

    from source
)

select * from renamed
