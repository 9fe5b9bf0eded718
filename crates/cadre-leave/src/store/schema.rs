//! The leave service's tables (diesel `table!` definitions, kept by hand in step with the migrations). The
//! projection's tables, which the migrations also create, are `cadre_projection::schema`'s.

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        official -> Bool,
        source_ref -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        year -> Integer,
        kind -> Text,
        name -> Text,
    }
}

diesel::table! {
    leave_types (code, effective_from) {
        code -> Text,
        effective_from -> Date,
        name -> Text,
        counting_unit -> Text,
        half_day -> Bool,
        documents -> Text,
        max_per_request_halves -> Nullable<Integer>,
        max_per_year_halves -> Nullable<Integer>,
        requires_balance -> Bool,
        counts_toward_cumulative -> Bool,
        eligible_gender -> Nullable<Text>,
        source_ref -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_settings (org_unit_id) {
        org_unit_id -> Text,
        sensitive -> Bool,
        max_away_percent -> Integer,
        refuse_over_ratio -> Bool,
        liaison_leader_cadre_id -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reporting_lines (cadre_id) {
        cadre_id -> Text,
        section_head_cadre_id -> Text,
        supervising_leader_cadre_id -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    blackout_periods (id) {
        id -> Text,
        name -> Text,
        start_date -> Date,
        end_date -> Date,
        org_unit_id -> Text,
        refuse -> Bool,
        exempt_types -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    protected_statuses (cadre_id) {
        cadre_id -> Text,
        status -> Text,
        until_date -> Date,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leave_requests (id) {
        id -> Text,
        applicant_cadre_id -> Text,
        applicant_name -> Text,
        org_unit_id -> Text,
        leave_type -> Text,
        start_date -> Date,
        start_half -> Text,
        end_date -> Date,
        end_half -> Text,
        days_halves -> Integer,
        calendar_halves -> Integer,
        reason -> Text,
        destination -> Text,
        contact_phone -> Text,
        acting_deputy_cadre_id -> Text,
        documents -> Text,
        state -> Text,
        applicant_class -> Text,
        cumulative_halves -> Integer,
        extends_request_id -> Text,
        extended_by_request_id -> Text,
        return_date -> Nullable<Date>,
        return_half -> Text,
        cancel_reason -> Text,
        filed_by -> Text,
        maternity -> Text,
        raised_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    approval_steps (leave_request_id, idx) {
        leave_request_id -> Text,
        idx -> Integer,
        kind -> Text,
        action -> Text,
        why -> Text,
        assignee_cadre_id -> Text,
        pool -> Text,
        assignee_name -> Text,
        state -> Text,
        decided_by -> Text,
        on_behalf_of -> Text,
        comment -> Text,
        decided_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        escalated_to_cadre_id -> Text,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Text,
        cadre_id -> Text,
        leave_type -> Text,
        year -> Integer,
        kind -> Text,
        halves -> Integer,
        reason -> Text,
        leave_request_id -> Text,
        effective_date -> Date,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    travel_filings (id) {
        id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        destination -> Text,
        reason -> Text,
        depart_date -> Date,
        depart_part -> Text,
        return_date -> Date,
        return_part -> Text,
        contact_phone -> Text,
        deputy_cadre_id -> Text,
        both_away_reason -> Text,
        late -> Bool,
        late_reason -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    travel_changes (filing_id, seq) {
        filing_id -> Text,
        seq -> Integer,
        changed_at -> Timestamp,
        changed_by -> Text,
        reason -> Text,
        summary -> Text,
    }
}

diesel::table! {
    overdue_cases (id) {
        id -> Text,
        leave_request_id -> Text,
        cadre_id -> Text,
        cadre_name -> Text,
        org_unit_id -> Text,
        due_back_date -> Date,
        state -> Text,
        absent_days -> Integer,
        consecutive_days -> Integer,
        year_days -> Integer,
        protected_status -> Text,
        return_date -> Nullable<Date>,
        opened_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    absence_days (cadre_id, day) {
        cadre_id -> Text,
        day -> Date,
        case_id -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    calendar_years,
    calendar_days,
    leave_types,
    unit_settings,
    reporting_lines,
    blackout_periods,
    protected_statuses,
    leave_requests,
    approval_steps,
    ledger_entries,
    travel_filings,
    travel_changes,
    overdue_cases,
    absence_days,
);
