//! The assessment service's tables (diesel `table!` definitions), in step with `migrations/`. The
//! directory projection's tables are `cadre_projection::schema`'s.

diesel::table! {
    /// Annual cycles, one per pool and year.
    annual_cycles (id) {
        id -> Text,
        year -> Integer,
        org_unit_id -> Text,
        org_unit_name -> Text,
        category -> Text,
        state -> Text,
        raised_quota_approval -> Text,
        enrolled -> Integer,
        taking_part -> Integer,
        excellent -> Integer,
        excellent_limit -> Integer,
        publicity_started_on -> Nullable<Date>,
        publicity_last_day -> Nullable<Date>,
        determined_by -> Text,
        determined_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        aggregate -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One person's annual assessment.
    annual_assessments (id) {
        id -> Text,
        cycle_id -> Text,
        year -> Integer,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        state -> Text,
        takes_part -> Bool,
        forced_outcome -> Text,
        ceiling -> Text,
        reasons -> Text,
        probation_last_day -> Nullable<Date>,
        absence_days -> Integer,
        refused_without_reason -> Bool,
        participation_note -> Text,
        self_summary -> Text,
        leader_comment -> Text,
        improvement -> Text,
        proposed -> Text,
        proposed_by -> Text,
        outcome -> Text,
        notified_on -> Nullable<Date>,
        acknowledged_on -> Nullable<Date>,
        refused_to_sign -> Bool,
        review_deadline -> Nullable<Date>,
        recourse_until -> Nullable<Date>,
        published_on -> Nullable<Date>,
        revision -> Integer,
        consequences -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Objections raised during publicity.
    objections (id) {
        id -> Text,
        assessment_id -> Text,
        cycle_id -> Text,
        idx -> Integer,
        text -> Text,
        raised_by -> Text,
        raised_at -> Timestamp,
        resolved -> Bool,
        upheld -> Bool,
        resolution -> Text,
        resolved_by -> Text,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// 复核 and 申诉.
    result_reviews (id) {
        id -> Text,
        assessment_id -> Text,
        kind -> Text,
        grounds -> Text,
        asked_on -> Date,
        asked_by -> Text,
        previous_outcome -> Text,
        decide_by -> Nullable<Date>,
        decided -> Bool,
        outcome -> Text,
        decision -> Text,
        decided_on -> Nullable<Date>,
        decided_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Routine assessments, one per person and quarter.
    routine_assessments (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        year -> Integer,
        quarter -> Integer,
        grade -> Text,
        score -> Nullable<Integer>,
        evidence -> Text,
        comment -> Text,
        graded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Special assessments of teams and people.
    special_assessments (id) {
        id -> Text,
        kind -> Text,
        year -> Integer,
        org_unit_id -> Text,
        cadre_id -> Text,
        grade -> Text,
        findings -> Text,
        assessed_on -> Date,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Follow-up tasks of special assessments.
    follow_up_tasks (id) {
        id -> Text,
        special_assessment_id -> Text,
        idx -> Integer,
        title -> Text,
        due_date -> Date,
        done_on -> Nullable<Date>,
        outcome -> Text,
        done_by -> Text,
    }
}

diesel::table! {
    /// Measures that limit a person's grade.
    conduct_measures (source_id) {
        source_id -> Text,
        cadre_id -> Text,
        kind -> Text,
        effective_date -> Date,
        last_day -> Nullable<Date>,
        basis -> Text,
        still_affects_use -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(annual_assessments -> annual_cycles (cycle_id));
diesel::joinable!(objections -> annual_assessments (assessment_id));
diesel::joinable!(result_reviews -> annual_assessments (assessment_id));
diesel::joinable!(follow_up_tasks -> special_assessments (special_assessment_id));

diesel::allow_tables_to_appear_in_same_query!(
    annual_cycles,
    annual_assessments,
    objections,
    result_reviews,
    routine_assessments,
    special_assessments,
    follow_up_tasks,
    conduct_measures,
);
