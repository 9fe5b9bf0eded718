//! The care service's tables (diesel `table!` definitions), in step with `migrations/`. The directory
//! projection's tables are `cadre_projection::schema`'s.

diesel::table! {
    /// The rewards register.
    rewards (id) {
        id -> Text,
        kind -> Text,
        category -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        collective -> Bool,
        level -> Text,
        issuer -> Text,
        document_number -> Text,
        basis -> Text,
        award_date -> Date,
        feeds_promotion_priority -> Bool,
        proposal_id -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Reward proposals from annual results.
    reward_proposals (id) {
        id -> Text,
        kind -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        assessment_id -> Text,
        revision -> Integer,
        year -> Integer,
        basis -> Text,
        state -> Text,
        reward_id -> Text,
        decision_note -> Text,
        decided_by -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The highest revision of each annual result seen.
    followed_results (assessment_id) {
        assessment_id -> Text,
        cadre_id -> Text,
        year -> Integer,
        outcome -> Text,
        revision -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The fund's balance.
    care_fund (id) {
        id -> Text,
        balance_fen -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The fund's movements.
    fund_ledger (id) {
        id -> Text,
        entry_kind -> Text,
        amount_fen -> BigInt,
        balance_after_fen -> BigInt,
        entry_date -> Date,
        source -> Text,
        document -> Text,
        application_id -> Text,
        cadre_id -> Text,
        org_unit_id -> Text,
        reason -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Applications to the fund.
    fund_applications (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        reason -> Text,
        description -> Text,
        amount_requested_fen -> BigInt,
        evidence_refs -> Text,
        state -> Text,
        steps -> Text,
        decisions -> Text,
        approved_steps -> Integer,
        disbursed_on -> Nullable<Date>,
        applied_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Health-check plans per unit and year.
    health_check_plans (org_unit_id, year) {
        org_unit_id -> Text,
        year -> Integer,
        window_start -> Date,
        window_end -> Date,
        provider -> Text,
        notes -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Health checks had, per cadre and year.
    health_checks (cadre_id, year) {
        cadre_id -> Text,
        year -> Integer,
        cadre_name -> Text,
        org_unit_id -> Text,
        checked_on -> Date,
        follow_up_needed -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// What calls for a visit.
    visit_triggers (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        kind -> Text,
        relation -> Text,
        occurred_on -> Date,
        due_on -> Date,
        visit_id -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Visits made.
    visits (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        kind -> Text,
        visitors -> Text,
        visited_on -> Date,
        notes -> Text,
        trigger_id -> Text,
        fund_application_id -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Who is in whose charge (分管).
    leader_charges (leader_id, cadre_id) {
        leader_id -> Text,
        cadre_id -> Text,
    }
}

diesel::table! {
    /// What calls for a talk.
    talk_triggers (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        due_on -> Date,
        source_ref -> Text,
        origin_key -> Nullable<Text>,
        talk_id -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Talks held.
    talks (id) {
        id -> Text,
        held_on -> Date,
        kind -> Text,
        summary -> Text,
        follow_ups -> Text,
        trigger_id -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// The parties of each talk.
    talk_parties (talk_id, cadre_id) {
        talk_id -> Text,
        cadre_id -> Text,
    }
}

diesel::table! {
    /// Front-line assignments.
    assignments (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        kind -> Text,
        place -> Text,
        host_unit_id -> Text,
        start_date -> Date,
        end_date -> Date,
        grade -> Text,
        evaluation_comment -> Text,
        evaluated_by -> Text,
        evaluator_name -> Text,
        evaluated_on -> Nullable<Date>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// 调任 cases.
    transfer_cases (id) {
        id -> Text,
        person_name -> Text,
        cadre_id -> Text,
        source -> Text,
        source_org -> Text,
        target_unit_id -> Text,
        target_post -> Text,
        leadership_post -> Bool,
        target_grade -> Integer,
        establishment -> Integer,
        establishment_used -> Integer,
        post_quota -> Integer,
        post_quota_used -> Integer,
        post_vacant -> Bool,
        state -> Text,
        note -> Text,
        opened_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// 公务员登记 cases.
    registration_cases (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        basis -> Text,
        approval_level -> Text,
        state -> Text,
        note -> Text,
        opened_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The dossier backlog.
    backlog_items (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        kind -> Text,
        description -> Text,
        detected_on -> Date,
        due_on -> Date,
        owner_unit_id -> Text,
        resolved_on -> Nullable<Date>,
        resolution -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// 容错 reviews.
    tolerance_reviews (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        measure_source_id -> Text,
        measure_kind -> Integer,
        case_summary -> Text,
        process_compliant -> Bool,
        process_note -> Text,
        no_personal_gain -> Bool,
        gain_note -> Text,
        not_prohibited -> Bool,
        prohibition_note -> Text,
        good_faith -> Bool,
        faith_note -> Text,
        decision -> Text,
        body -> Text,
        decided_by -> Text,
        decided_on -> Nullable<Date>,
        opened_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(talks, talk_parties);
