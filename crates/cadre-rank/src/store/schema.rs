//! Diesel schema of the rank service's own tables (see `migrations/`). The projection's tables
//! (`directory_units`, `directory_cadres`, `feed_cursors`) are cadre-projection's.

pub use cadre_projection::schema::{directory_cadres, directory_units, feed_cursors};

// The projection's tables once more, under names of this crate, with the columns the rank service's own
// queries filter on: diesel lets only tables of one crate appear in one query, and the lists filter
// `rank_eligibility` and `rank_cases` by subqueries on the projection.
diesel::table! {
    /// `directory_units`, for subqueries.
    #[sql_name = "directory_units"]
    projected_units (id) {
        id -> Text,
        path -> Text,
    }
}

diesel::table! {
    /// `directory_cadres`, for subqueries.
    #[sql_name = "directory_cadres"]
    projected_cadres (id) {
        id -> Text,
        employing_unit_id -> Text,
        managing_unit_id -> Text,
        active -> Bool,
        category -> Text,
    }
}

diesel::table! {
    rank_holdings (id) {
        id -> Text,
        cadre_id -> Text,
        grade -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        level -> Integer,
        source -> Text,
        case_id -> Text,
        note -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    annual_results (cadre_id, year) {
        cadre_id -> Text,
        year -> Integer,
        assessment_id -> Text,
        outcome -> Text,
        published_on -> Date,
        revision -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    conduct_measures (source_id) {
        source_id -> Text,
        cadre_id -> Text,
        kind -> Text,
        effective_date -> Date,
        last_day -> Nullable<Date>,
        last_day_computed -> Bool,
        basis -> Text,
        still_affects_use -> Bool,
        recorded_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quota_pools (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        headcount_override -> Nullable<Integer>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quota_pool_units (org_unit_id) {
        org_unit_id -> Text,
        pool_id -> Text,
    }
}

diesel::table! {
    rank_cases (id) {
        id -> Text,
        kind -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        from_grade -> Text,
        to_grade -> Text,
        state -> Text,
        is_open -> Bool,
        plan -> Text,
        quota_pool_id -> Text,
        recommendation -> Text,
        discipline_opinion -> Text,
        publicity_first_day -> Nullable<Date>,
        publicity_last_day -> Nullable<Date>,
        publicity_working_days -> Integer,
        authority -> Text,
        filed_with_city -> Bool,
        decision_ref -> Text,
        effective_date -> Nullable<Date>,
        new_level -> Integer,
        closing_reason -> Text,
        opened_by -> Text,
        decided_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_attestations (case_id, criterion) {
        case_id -> Text,
        criterion -> Text,
        favourable -> Bool,
        note -> Text,
        attested_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    case_objections (id) {
        id -> Text,
        case_id -> Text,
        seq -> Integer,
        text -> Text,
        raised_by -> Text,
        resolved -> Bool,
        upheld -> Bool,
        resolution -> Text,
        resolved_by -> Text,
        raised_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rank_eligibility (cadre_id) {
        cadre_id -> Text,
        cadre_name -> Text,
        employing_unit_id -> Text,
        managing_unit_id -> Text,
        current_grade -> Text,
        target_grade -> Text,
        tenure_met_on -> Nullable<Date>,
        eligible_from -> Date,
        blocks -> Text,
        computed_on -> Date,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    eligibility_day (id) {
        id -> Integer,
        day -> Date,
    }
}

diesel::table! {
    directory_sync (cadre_id) {
        cadre_id -> Text,
        case_id -> Text,
        grade -> Text,
        start_date -> Date,
        attempts -> Integer,
        last_error -> Text,
        next_attempt_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tolerance_exemptions (measure_source_id) {
        measure_source_id -> Text,
        cadre_id -> Text,
        review_id -> Text,
        decision -> Text,
        decided_on -> Date,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pending_opinions (case_id) {
        case_id -> Text,
        clear -> Bool,
        note -> Text,
        given_by -> Text,
        given_on -> Date,
        opinion_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    rank_holdings,
    annual_results,
    conduct_measures,
    tolerance_exemptions,
    quota_pools,
    quota_pool_units,
    rank_cases,
    case_attestations,
    case_objections,
    pending_opinions,
    rank_eligibility,
    eligibility_day,
    directory_sync,
    projected_units,
    projected_cadres,
);
