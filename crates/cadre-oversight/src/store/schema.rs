//! The oversight service's tables (diesel `table!` definitions), in step with `migrations/`. The directory
//! projection's tables are `cadre_projection::schema`'s.

diesel::table! {
    /// Responsibilities (四责协同), one per unit, kind, holder and year.
    responsibilities (id) {
        id -> Text,
        org_unit_id -> Text,
        kind -> Text,
        holder_cadre_id -> Text,
        holder_name -> Text,
        year -> Integer,
        area -> Text,
        items -> Text,
        version -> BigInt,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Inspections (督查).
    inspections (id) {
        id -> Text,
        title -> Text,
        categories -> Text,
        plan -> Text,
        start_date -> Date,
        end_date -> Date,
        state -> Text,
        summary -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The units an inspection covers.
    inspection_units (inspection_id,org_unit_id) {
        inspection_id -> Text,
        org_unit_id -> Text,
    }
}

diesel::table! {
    /// The inspectors of an inspection.
    inspection_inspectors (inspection_id,cadre_id) {
        inspection_id -> Text,
        cadre_id -> Text,
    }
}

diesel::table! {
    /// Findings about units and cadres.
    findings (id) {
        id -> Text,
        inspection_id -> Text,
        org_unit_id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        category -> Text,
        severity -> Text,
        description -> Text,
        evidence -> Text,
        responsibility_id -> Text,
        source -> Text,
        source_ref -> Text,
        found_on -> Date,
        state -> Text,
        dismissal_reason -> Text,
        escalation -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Rectification tasks (整改).
    rectification_tasks (id) {
        id -> Text,
        finding_id -> Text,
        owner_org_unit_id -> Text,
        requirement -> Text,
        plan -> Text,
        evidence -> Text,
        report -> Text,
        deadline -> Date,
        warning_from -> Date,
        state -> Text,
        returned_note -> Text,
        verified_by -> Text,
        closed_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    /// Extension requests of rectification tasks.
    rectification_extensions (id) {
        id -> Text,
        task_id -> Text,
        requested_deadline -> Date,
        reason -> Text,
        state -> Text,
        requested_by -> Text,
        decided_by -> Text,
        decision_note -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    /// Accountability decisions.
    decisions (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        measure -> Text,
        level -> Integer,
        form -> Integer,
        deciding_body -> Text,
        basis_article -> Text,
        document_number -> Text,
        decided_on -> Date,
        effective_date -> Date,
        influence_last_day -> Nullable<Date>,
        blocks_promotion -> Bool,
        blocks_excellent -> Bool,
        blocks_selection -> Bool,
        probation_months -> Integer,
        finding_ids -> Text,
        responsibility_id -> Text,
        archive_due_date -> Nullable<Date>,
        archived_on -> Nullable<Date>,
        carry_out_by -> Nullable<Date>,
        escalation -> Text,
        note -> Text,
        source_ref -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// 容错 decisions from the care feed, by decision id.
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
    /// Circulars (通报).
    circulars (id) {
        id -> Text,
        title -> Text,
        kind -> Text,
        distribution -> Text,
        distribution_unit_ids -> Text,
        cadence -> Text,
        period_label -> Text,
        scheduled_on -> Nullable<Date>,
        state -> Text,
        document_number -> Text,
        issued_on -> Nullable<Date>,
        body -> Text,
        created_by -> Text,
        issued_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The units and people a circular names.
    circular_entries (circular_id,position) {
        circular_id -> Text,
        position -> Integer,
        org_unit_id -> Text,
        cadre_id -> Text,
        name -> Text,
        commended -> Bool,
        text -> Text,
        finding_id -> Text,
        decision_id -> Text,
    }
}

diesel::table! {
    /// The negative-information pool.
    negative_records (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        agency -> Text,
        category -> Text,
        severity -> Text,
        summary -> Text,
        reference -> Text,
        occurred_on -> Date,
        verified -> Bool,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// 党风廉政意见 requests and answers.
    integrity_opinions (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        purpose -> Text,
        rank_case_id -> Text,
        state -> Text,
        record_summary -> Text,
        clear -> Bool,
        answer -> Text,
        requested_by -> Text,
        answered_by -> Text,
        requested_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    responsibilities,
    inspections,
    inspection_units,
    inspection_inspectors,
    findings,
    rectification_tasks,
    rectification_extensions,
    decisions,
    tolerance_exemptions,
    circulars,
    circular_entries,
    negative_records,
    integrity_opinions,
);
