//! Diesel schema of the directory's tables (see `migrations/`).

diesel::table! {
    unit_kinds (code) {
        code -> Text,
        display_name -> Text,
        tier -> Integer,
    }
}

diesel::table! {
    org_units (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        code -> Text,
        name -> Text,
        kind -> Text,
        depth -> Integer,
        path -> Text,
        state -> Text,
        closed_reason -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cadres (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        name -> Text,
        gender -> Text,
        citizen_id -> Text,
        birth_date -> Date,
        work_start_date -> Nullable<Date>,
        party_entry_date -> Nullable<Date>,
        education -> Text,
        category -> Text,
        employing_unit_id -> Text,
        managing_unit_id -> Text,
        post_title -> Text,
        post_level -> Text,
        is_leader -> Bool,
        is_team_member -> Bool,
        is_principal -> Bool,
        post_start_date -> Nullable<Date>,
        rank_grade -> Nullable<Text>,
        rank_start_date -> Nullable<Date>,
        status -> Text,
        work_history -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cadre_changes (id) {
        id -> Text,
        cadre_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        actor -> Text,
        kind -> Text,
        changed_fields -> Text,
        before_json -> Text,
        after_json -> Text,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        kind -> Text,
        cadre_id -> Nullable<Text>,
        roles -> Text,
        scope_unit_id -> Nullable<Text>,
        clearances -> Text,
        external_subject -> Nullable<Text>,
        state -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(cadres, org_units);
