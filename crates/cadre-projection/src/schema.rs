//! The projection's tables (diesel `table!` definitions), in step with `sql/directory_projection.sql`.

diesel::table! {
    /// Org units as the directory last described them.
    directory_units (id) {
        id -> Text,
        parent_id -> Text,
        name -> Text,
        path -> Text,
        active -> Bool,
        kind -> Text,
    }
}

diesel::table! {
    /// Cadres as the directory last described them; units' paths are joined from `directory_units`.
    directory_cadres (id) {
        id -> Text,
        name -> Text,
        gender -> Text,
        work_start_date -> Nullable<Date>,
        employing_unit_id -> Text,
        managing_unit_id -> Text,
        post_title -> Text,
        post_level -> Text,
        is_leader -> Bool,
        is_team_member -> Bool,
        is_principal -> Bool,
        active -> Bool,
        updated_at -> Timestamp,
        birth_date -> Nullable<Date>,
        category -> Text,
        status -> Text,
        post_start_date -> Nullable<Date>,
        rank_grade -> Text,
        rank_start_date -> Nullable<Date>,
    }
}

diesel::table! {
    /// Where each followed feed has been read up to, keyed by the feed's source name.
    feed_cursors (source) {
        source -> Text,
        cursor -> Text,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(directory_units, directory_cadres, feed_cursors);
