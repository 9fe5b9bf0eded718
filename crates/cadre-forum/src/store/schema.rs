//! The forum service's tables (diesel `table!` definitions), in step with `migrations/`. The directory
//! projection's tables are `cadre_projection::schema`'s.

diesel::table! {
    /// Forums, one open per unit.
    forums (id) {
        id -> Text,
        level -> Text,
        owner_unit_id -> Text,
        owner_unit_name -> Text,
        approving_unit_id -> Text,
        name -> Text,
        description -> Text,
        status -> Text,
        open_owner_unit_id -> Nullable<Text>,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        approved_by -> Text,
        approved_on -> Nullable<Date>,
        status_reason -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The district's plan of a year.
    district_plans (year) {
        year -> Integer,
        district_minimum -> Integer,
        unit_minimum -> Integer,
        village_minimum -> Integer,
        set_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The themes of a year's plan.
    plan_themes (id) {
        id -> Text,
        year -> Integer,
        idx -> Integer,
        title -> Text,
        description -> Text,
    }
}

diesel::table! {
    /// A forum's plan of a year.
    forum_plans (forum_id, year) {
        forum_id -> Text,
        year -> Integer,
        planned_sessions -> Integer,
        planned_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Sessions, and through their speaker, speakers' duties.
    forum_sessions (id) {
        id -> Text,
        forum_id -> Text,
        level -> Text,
        owner_unit_id -> Text,
        topic -> Text,
        theme_id -> Text,
        speaker_cadre_id -> Text,
        speaker_name -> Text,
        speaker_affiliation -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        place -> Text,
        capacity -> Integer,
        credited_minutes -> Integer,
        teaching_minutes -> Integer,
        expected_audience -> Integer,
        state -> Text,
        cancel_reason -> Text,
        held_at -> Nullable<Timestamp>,
        check_in_code -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Who a session is for.
    session_audience (session_id, kind, target_id) {
        session_id -> Text,
        kind -> Text,
        target_id -> Text,
    }
}

diesel::table! {
    /// Attendances, once per person and session.
    attendances (id) {
        id -> Text,
        session_id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        method -> Text,
        credited_minutes -> Integer,
        session_starts_at -> Timestamp,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// The organiser's corrections.
    attendance_corrections (id) {
        id -> Text,
        session_id -> Text,
        cadre_id -> Text,
        action -> Text,
        reason -> Text,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    /// The HR system's ids of cadres.
    cadre_external_ids (external_id) {
        external_id -> Text,
        cadre_id -> Text,
    }
}

diesel::joinable!(forum_sessions -> forums (forum_id));
diesel::joinable!(attendances -> forum_sessions (session_id));
diesel::joinable!(session_audience -> forum_sessions (session_id));
diesel::allow_tables_to_appear_in_same_query!(
    forums,
    district_plans,
    plan_themes,
    forum_plans,
    forum_sessions,
    session_audience,
    attendances,
    attendance_corrections,
    cadre_external_ids,
);
