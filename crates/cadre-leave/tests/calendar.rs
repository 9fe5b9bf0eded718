//! The working calendar and leave policy over a real socket, on SQLite and PostgreSQL: the shipped calendar
//! and types seeded at start, replacing a year under its version, day arithmetic across 国庆, versioned
//! leave types that never rewrite the past, unit settings, reporting lines within the HR officer's scope,
//! and blackout periods.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::leave as pb;
use harness::{Harness, Post, assert_error, date, rid};
use tonic::Code;

fn special(day: &str, kind: pb::DayKind, name: &str) -> pb::SpecialDay {
    pb::SpecialDay { date: Some(date(day)), kind: kind as i32, name: name.into() }
}

fn codes(types: &[pb::LeaveType]) -> Vec<&str> {
    types.iter().map(|t| t.code.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_is_seeded_replaced_under_its_version_and_counted() {
    for database in TestDatabase::each() {
        // Monday 2 March 2026.
        let mut h = Harness::start(database, "2026-03-02").await;
        let backend = h.backend;
        let town = h.unit("T01", "城关镇", None).await;
        let clerk = h.cadre("李科员", &town, Post::Staff, false).await;
        h.sync().await;
        let mut org = h.org();
        let mut cadre = h.as_cadre(&clerk);

        // The shipped years are there at start; any signed-in caller reads them.
        let y2026 = cadre
            .get_work_calendar(pb::GetWorkCalendarRequest { year: 2026 })
            .await
            .unwrap()
            .into_inner()
            .calendar
            .unwrap();
        assert!(y2026.official, "{backend}");
        assert_eq!(y2026.version, 1, "{backend}");
        // 261 weekdays − 19 holidays on weekdays + 6 make-up weekend days.
        assert_eq!(y2026.working_days, 248, "{backend}");
        assert_eq!(y2026.days.len(), 33 + 6, "{backend}");
        let y2027 = cadre.get_work_calendar(pb::GetWorkCalendarRequest { year: 2027 }).await.unwrap();
        let y2027 = y2027.into_inner().calendar.unwrap();
        assert!(!y2027.official, "{backend}");
        // A year without data says so.
        let y2031 = cadre.get_work_calendar(pb::GetWorkCalendarRequest { year: 2031 }).await.unwrap();
        let y2031 = y2031.into_inner().calendar.unwrap();
        assert_eq!(
            (y2031.official, y2031.source_ref.as_str(), y2031.version, y2031.working_days, y2031.days.len()),
            (false, "no data: weekends only", 0, 261, 0),
            "{backend}"
        );
        let error = cadre.get_work_calendar(pb::GetWorkCalendarRequest { year: 1899 }).await.unwrap_err();
        assert_error(&error, Code::InvalidArgument, "INVALID_YEAR", Some("year"));

        // Day arithmetic across 国庆 and its make-up Saturday.
        let count = cadre
            .count_working_days(pb::CountWorkingDaysRequest {
                start_date: Some(date("2026-09-28")),
                end_date: Some(date("2026-10-11")),
            })
            .await
            .unwrap()
            .into_inner();
        // Sep 28–30, Oct 8, 9 and the make-up Saturday Oct 10.
        assert_eq!((count.working_days, count.calendar_days), (6, 14), "{backend}");
        let added = cadre
            .add_working_days(pb::AddWorkingDaysRequest { date: Some(date("2026-09-30")), working_days: 3 })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(added.date, Some(date("2026-10-10")), "{backend}");
        // Across the New Year into the provisional 2027 and past the last stored year.
        let far = cadre
            .add_working_days(pb::AddWorkingDaysRequest {
                date: Some(date("2026-12-31")),
                working_days: 3660,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(far.date.unwrap().year >= 2040, "{backend}");
        let error = cadre
            .count_working_days(pb::CountWorkingDaysRequest {
                start_date: Some(date("2026-01-01")),
                end_date: Some(date("2036-01-09")),
            })
            .await
            .unwrap_err();
        assert_error(&error, Code::InvalidArgument, "INVALID_DATE_RANGE", Some("end_date"));
        let error = cadre
            .count_working_days(pb::CountWorkingDaysRequest {
                start_date: Some(date("2026-03-02")),
                end_date: None,
            })
            .await
            .unwrap_err();
        assert_error(&error, Code::InvalidArgument, "INVALID_DATE_RANGE", Some("end_date"));
        let error = cadre
            .add_working_days(pb::AddWorkingDaysRequest {
                date: Some(date("2026-03-02")),
                working_days: 3661,
            })
            .await
            .unwrap_err();
        assert_error(&error, Code::InvalidArgument, "INVALID_WORKING_DAYS", Some("working_days"));

        // Every problem of a bad year at once.
        let bad = pb::SetWorkCalendarRequest {
            request_id: rid(),
            year: 2027,
            official: true,
            source_ref: " ".into(),
            days: vec![
                special("2027-01-01", pb::DayKind::Holiday, "元旦"),
                special("2027-01-01", pb::DayKind::Holiday, "元旦"),
                special("2028-01-01", pb::DayKind::Holiday, "元旦"),
                // A Monday cannot be a make-up working day: it is worked anyway.
                special("2027-02-01", pb::DayKind::MakeupWorkday, "春节"),
                special("2027-02-02", pb::DayKind::Workday, "春节"),
                special("2027-02-03", pb::DayKind::Holiday, ""),
            ],
            expected_version: 0,
        };
        let error = org.set_work_calendar(bad).await.unwrap_err();
        for field in
            ["source_ref", "days[1].date", "days[2].date", "days[3].kind", "days[4].kind", "days[5].name"]
        {
            assert_error(&error, Code::InvalidArgument, "INVALID_CALENDAR", Some(field));
        }

        // The notice is published: 2027 replaced under its version; a replay answers the same.
        let notice = pb::SetWorkCalendarRequest {
            request_id: rid(),
            year: 2027,
            official: true,
            source_ref: "国办发明电〔2026〕7号".into(),
            days: vec![
                special("2027-02-06", pb::DayKind::Holiday, "春节"),
                special("2027-02-05", pb::DayKind::Holiday, "春节"),
                special("2027-02-20", pb::DayKind::MakeupWorkday, "春节"),
            ],
            expected_version: 1,
        };
        let stored = org.set_work_calendar(notice.clone()).await.unwrap().into_inner().calendar.unwrap();
        assert_eq!((stored.version, stored.official), (2, true), "{backend}");
        assert_eq!(stored.days[0].date, Some(date("2027-02-05")), "sorted by date: {backend}");
        let replay = org.set_work_calendar(notice).await.unwrap().into_inner().calendar.unwrap();
        assert_eq!(replay, stored, "{backend}");
        let stale = pb::SetWorkCalendarRequest {
            request_id: rid(),
            year: 2027,
            official: false,
            source_ref: "draft".into(),
            days: Vec::new(),
            expected_version: 1,
        };
        let error = org.set_work_calendar(stale.clone()).await.unwrap_err();
        assert_error(&error, Code::Aborted, "VERSION_MISMATCH", None);
        let read = cadre.get_work_calendar(pb::GetWorkCalendarRequest { year: 2027 }).await.unwrap();
        assert_eq!(read.into_inner().calendar.unwrap(), stored, "{backend}");
        // The make-up Saturday now counts.
        let count = cadre
            .count_working_days(pb::CountWorkingDaysRequest {
                start_date: Some(date("2027-02-20")),
                end_date: Some(date("2027-02-21")),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(count.working_days, 1, "{backend}");
        // Only the org department sets the calendar.
        let error = cadre.set_work_calendar(pb::SetWorkCalendarRequest { request_id: rid(), ..stale }).await;
        assert_eq!(error.unwrap_err().code(), Code::PermissionDenied, "{backend}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_policy_is_versioned_and_kept_by_the_right_people() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let backend = h.backend;
        let town = h.unit("T01", "城关镇", None).await;
        let other = h.unit("T02", "新桥镇", None).await;
        let hr = h.cadre("赵人事", &town, Post::Staff, true).await;
        let clerk = h.cadre("李科员", &town, Post::Staff, false).await;
        let head = h.cadre("钱科长", &town, Post::Deputy, false).await;
        let stranger = h.cadre("孙科员", &other, Post::Staff, false).await;
        h.sync().await;
        let mut org = h.org();
        let mut cadre = h.as_cadre(&clerk);
        let mut officer = h.as_person(&hr, &[Role::UnitHrOfficer]);

        // The shipped types, by code, in force today.
        let listed = cadre.list_leave_types(pb::ListLeaveTypesRequest { on_date: None }).await.unwrap();
        let listed = listed.into_inner().leave_types;
        assert_eq!(
            codes(&listed),
            [
                "annual",
                "bereavement",
                "family_visit",
                "marriage",
                "maternity",
                "parental",
                "paternity",
                "personal",
                "sick"
            ],
            "{backend}"
        );
        let marriage = listed.iter().find(|t| t.code == "marriage").unwrap().clone();
        assert_eq!((marriage.max_days_per_request, marriage.effective_from), (3.0, Some(date("2019-01-01"))));

        // A new version from a future date; the past is not rewritten.
        let provincial = pb::LeaveType {
            max_days_per_request: 13.0,
            source_ref: "省人口与计划生育条例 (2026)".into(),
            effective_from: Some(date("2026-07-01")),
            ..marriage.clone()
        };
        let past = pb::LeaveType { effective_from: Some(date("2026-03-01")), ..provincial.clone() };
        let error = org
            .update_leave_type(pb::UpdateLeaveTypeRequest { request_id: rid(), leave_type: Some(past) })
            .await
            .unwrap_err();
        assert_error(&error, Code::InvalidArgument, "EFFECTIVE_IN_PAST", Some("leave_type.effective_from"));
        let update = pb::UpdateLeaveTypeRequest { request_id: rid(), leave_type: Some(provincial.clone()) };
        let stored = org.update_leave_type(update.clone()).await.unwrap().into_inner().leave_type.unwrap();
        assert_eq!(stored, provincial, "{backend}");
        assert_eq!(org.update_leave_type(update).await.unwrap().into_inner().leave_type.unwrap(), stored);
        let error = org
            .update_leave_type(pb::UpdateLeaveTypeRequest {
                request_id: rid(),
                leave_type: Some(provincial.clone()),
            })
            .await
            .unwrap_err();
        assert_error(&error, Code::AlreadyExists, "VERSION_EXISTS", Some("leave_type.effective_from"));
        for (day, max) in [("2026-06-30", 3.0), ("2026-07-01", 13.0)] {
            let on =
                cadre.list_leave_types(pb::ListLeaveTypesRequest { on_date: Some(date(day)) }).await.unwrap();
            let on = on.into_inner().leave_types;
            assert_eq!(
                on.iter().find(|t| t.code == "marriage").unwrap().max_days_per_request,
                max,
                "{backend}"
            );
        }
        // A local type; and every bad field named.
        let local = pb::LeaveType {
            code: "study".into(),
            name: "脱产学习".into(),
            effective_from: Some(date("2026-03-02")),
            ..marriage.clone()
        };
        org.update_leave_type(pb::UpdateLeaveTypeRequest { request_id: rid(), leave_type: Some(local) })
            .await
            .unwrap();
        let today = cadre.list_leave_types(pb::ListLeaveTypesRequest { on_date: None }).await.unwrap();
        assert!(codes(&today.into_inner().leave_types).contains(&"study"), "{backend}");
        let broken =
            pb::LeaveType { code: "Study!".into(), counting_unit: 0, max_days_per_year: 0.3, ..marriage };
        let error = org
            .update_leave_type(pb::UpdateLeaveTypeRequest { request_id: rid(), leave_type: Some(broken) })
            .await
            .unwrap_err();
        for field in ["leave_type.code", "leave_type.counting_unit", "leave_type.max_days_per_year"] {
            assert_error(&error, Code::InvalidArgument, "INVALID_LEAVE_TYPE", Some(field));
        }
        let error = cadre
            .update_leave_type(pb::UpdateLeaveTypeRequest { request_id: rid(), leave_type: Some(provincial) })
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::PermissionDenied, "{backend}");

        // Unit settings: defaults until set, then versioned.
        let get = |unit: &str| pb::GetUnitLeaveSettingsRequest { org_unit_id: unit.to_owned() };
        let defaults =
            cadre.get_unit_leave_settings(get(&town)).await.unwrap().into_inner().settings.unwrap();
        assert_eq!(
            defaults,
            pb::UnitLeaveSettings { org_unit_id: town.clone(), ..Default::default() },
            "{backend}"
        );
        let error = cadre.get_unit_leave_settings(get("no-such-unit")).await.unwrap_err();
        assert_error(&error, Code::NotFound, "ORG_UNIT_NOT_FOUND", Some("org_unit_id"));
        let wanted = pb::UnitLeaveSettings {
            org_unit_id: town.clone(),
            sensitive: true,
            max_away_percent: 30,
            refuse_over_ratio: false,
            liaison_leader_cadre_id: head.cadre_id.clone(),
            version: 0,
        };
        let set = |settings: pb::UnitLeaveSettings, expected_version: i64| pb::SetUnitLeaveSettingsRequest {
            request_id: rid(),
            settings: Some(settings),
            expected_version,
        };
        let error = org
            .set_unit_leave_settings(set(
                pb::UnitLeaveSettings { max_away_percent: 101, ..wanted.clone() },
                0,
            ))
            .await
            .unwrap_err();
        assert_error(
            &error,
            Code::InvalidArgument,
            "INVALID_UNIT_LEAVE_SETTINGS",
            Some("settings.max_away_percent"),
        );
        let error = org
            .set_unit_leave_settings(set(
                pb::UnitLeaveSettings { liaison_leader_cadre_id: "nobody".into(), ..wanted.clone() },
                0,
            ))
            .await
            .unwrap_err();
        assert_error(&error, Code::NotFound, "CADRE_NOT_FOUND", Some("settings.liaison_leader_cadre_id"));
        let first = org.set_unit_leave_settings(set(wanted.clone(), 0)).await.unwrap().into_inner();
        assert_eq!(
            first.settings.unwrap(),
            pb::UnitLeaveSettings { version: 1, ..wanted.clone() },
            "{backend}"
        );
        let error = org.set_unit_leave_settings(set(wanted.clone(), 7)).await.unwrap_err();
        assert_error(&error, Code::Aborted, "VERSION_MISMATCH", None);
        let read = cadre.get_unit_leave_settings(get(&town)).await.unwrap().into_inner().settings.unwrap();
        assert_eq!((read.version, read.max_away_percent, read.sensitive), (1, 30, true), "{backend}");

        // Reporting lines: the unit's HR officer within the unit, the org department anywhere.
        let line = |who: &str, head: &str| pb::SetReportingLineRequest {
            request_id: rid(),
            line: Some(pb::ReportingLine {
                cadre_id: who.to_owned(),
                section_head_cadre_id: head.to_owned(),
                supervising_leader_cadre_id: String::new(),
            }),
        };
        let error = officer.set_reporting_line(line(&clerk.cadre_id, &clerk.cadre_id)).await.unwrap_err();
        assert_error(
            &error,
            Code::InvalidArgument,
            "INVALID_REPORTING_LINE",
            Some("line.section_head_cadre_id"),
        );
        let stored = officer.set_reporting_line(line(&clerk.cadre_id, &head.cadre_id)).await.unwrap();
        assert_eq!(stored.into_inner().line.unwrap().section_head_cadre_id, head.cadre_id, "{backend}");
        // Outside the officer's unit: the same answer as an unknown cadre.
        let error = officer.set_reporting_line(line(&stranger.cadre_id, &head.cadre_id)).await.unwrap_err();
        assert_error(&error, Code::NotFound, "CADRE_NOT_FOUND", Some("line.cadre_id"));
        let error = officer.set_reporting_line(line("nobody", &head.cadre_id)).await.unwrap_err();
        assert_error(&error, Code::NotFound, "CADRE_NOT_FOUND", Some("line.cadre_id"));
        org.set_reporting_line(line(&stranger.cadre_id, &head.cadre_id)).await.unwrap();
        let error = cadre.set_reporting_line(line(&clerk.cadre_id, "")).await.unwrap_err();
        assert_eq!(error.code(), Code::PermissionDenied, "{backend}");

        // Blackout periods.
        let period = |name: &str, start: &str, end: &str, exempt: &[&str]| pb::CreateBlackoutPeriodRequest {
            request_id: rid(),
            period: Some(pb::BlackoutPeriod {
                id: "ignored".into(),
                name: name.into(),
                start_date: Some(date(start)),
                end_date: Some(date(end)),
                org_unit_id: String::new(),
                refuse: false,
                exempt_types: exempt.iter().map(|s| (*s).to_owned()).collect(),
            }),
        };
        let error =
            org.create_blackout_period(period("", "2026-06-02", "2026-06-01", &[])).await.unwrap_err();
        for field in ["period.name", "period.end_date"] {
            assert_error(&error, Code::InvalidArgument, "INVALID_BLACKOUT_PERIOD", Some(field));
        }
        let error = org
            .create_blackout_period(period("汛期", "2026-06-01", "2026-08-31", &["holiday"]))
            .await
            .unwrap_err();
        assert_error(&error, Code::InvalidArgument, "UNKNOWN_LEAVE_TYPE", Some("period.exempt_types[0]"));
        let flood = org
            .create_blackout_period(period(
                "2026年主汛期",
                "2026-06-01",
                "2026-08-31",
                &["maternity", "study"],
            ))
            .await
            .unwrap()
            .into_inner()
            .period
            .unwrap();
        assert_ne!(flood.id, "ignored", "{backend}");
        let mut event = period("重大活动", "2026-05-20", "2026-05-25", &[]);
        if let Some(p) = event.period.as_mut() {
            p.org_unit_id = town.clone();
            p.refuse = true;
        }
        org.create_blackout_period(event).await.unwrap();
        let list = |range: Option<(&str, &str)>| pb::ListBlackoutPeriodsRequest {
            range: range
                .map(|(s, e)| cadre_proto::types::DateRange { start: Some(date(s)), end: Some(date(e)) }),
        };
        let all = cadre.list_blackout_periods(list(None)).await.unwrap().into_inner().periods;
        assert_eq!(all.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["重大活动", "2026年主汛期"]);
        let july = cadre.list_blackout_periods(list(Some(("2026-07-01", "2026-07-31")))).await.unwrap();
        assert_eq!(july.into_inner().periods, [flood], "{backend}");
        let error = cadre.list_blackout_periods(list(Some(("2026-07-31", "2026-07-01")))).await.unwrap_err();
        assert_error(&error, Code::InvalidArgument, "INVALID_DATE_RANGE", Some("range.end"));
        h.stop().await;
    }
}
