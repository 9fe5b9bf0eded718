//! Special assessments (政治建设考察, 班子运行情况调研) of a unit's leadership team or of a person: a grade,
//! findings and follow-up tasks (整改) with due dates, whose state is reckoned against today.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, paging};
use cadre_projection::store as projection;
use cadre_proto::assessment as pb;
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::special::{Finding, FollowUpTask, SpecialAssessment, SpecialKind, Subject, TaskRefusal},
    events,
    store::{
        self,
        special::{self as special_store, SpecialRow, TaskRow},
    },
    view::{self, json},
};

/// A domain violation's field as the request names it.
fn request_field(field: &str) -> String {
    if field == "subject" {
        return "cadre_id".to_owned();
    }
    if field == "team_grade" {
        return "grade".to_owned();
    }
    if let Some(rest) = field.strip_prefix("findings[") {
        return format!("findings[{}", rest.trim_end_matches(".text"));
    }
    field.replace(".description", ".title").replace(".due", ".due_date").replace(".owner", ".title")
}

/// The record as the rules see it.
fn domain_record(row: &SpecialRow, tasks: &[TaskRow]) -> Option<SpecialAssessment> {
    let subject = if row.cadre_id.is_empty() {
        Subject::Team(row.org_unit_id.clone())
    } else {
        Subject::Person(row.cadre_id.clone())
    };
    Some(SpecialAssessment {
        kind: SpecialKind::from_code(&row.kind)?,
        team_grade: matches!(subject, Subject::Team(_))
            .then(|| crate::domain::TeamGrade::from_code(&row.grade))
            .flatten(),
        subject,
        assessed_on: row.assessed_on,
        findings: view::strings(&row.findings).into_iter().map(|text| Finding { text }).collect(),
        tasks: tasks.iter().map(|t| view::domain_task(row, t)).collect(),
    })
}

impl AssessmentApi {
    pub(super) async fn record_special_assessment_impl(
        &self,
        request: Request<pb::RecordSpecialAssessmentRequest>,
    ) -> Result<Response<pb::RecordSpecialAssessmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let kind = convert::special_kind(&mut violations, "kind", request.kind);
        let year = convert::year(&mut violations, "year", request.year);
        let unit_id = convert::id(&mut violations, "org_unit_id", &request.org_unit_id);
        let cadre_id = request.cadre_id.trim().to_owned();
        violations.require(cadre_id.len() <= 64, "cadre_id", "is not an id");
        let grade = convert::team_grade(&mut violations, "grade", request.grade);
        let findings =
            convert::texts(&mut violations, "findings", &request.findings, convert::MAX_TEXT_CHARS, true);
        let assessed_on =
            convert::required_date(&mut violations, "assessed_on", request.assessed_on.as_ref());
        if let Some(day) = assessed_on {
            violations.require(
                day <= today,
                "assessed_on",
                "is after today: record an assessment that took place",
            );
            if let Some(year) = year {
                violations.require(year.first_day() <= day, "year", "is after the day of the assessment");
            }
        }
        if request.tasks.len() > convert::MAX_ITEMS {
            violations.add("tasks", format!("at most {} tasks", convert::MAX_ITEMS));
        }
        let mut tasks: Vec<(String, Option<NaiveDate>)> = Vec::new();
        for (i, task) in request.tasks.iter().enumerate() {
            let title = convert::text(
                &mut violations,
                &format!("tasks[{i}].title"),
                &task.title,
                convert::MAX_SHORT_CHARS,
                true,
            );
            let due = convert::required_date(
                &mut violations,
                &format!("tasks[{i}].due_date"),
                task.due_date.as_ref(),
            );
            tasks.push((title, due));
        }
        // The rules' own checks (a team-only kind for a person, a task due before the assessment), named by
        // the request's fields.
        if let (Some(kind), Some(grade), Some(assessed_on)) = (kind.as_deref(), grade, assessed_on)
            && let Some(kind) = SpecialKind::from_code(kind)
        {
            let subject = if cadre_id.is_empty() {
                Subject::Team(unit_id.clone())
            } else {
                Subject::Person(cadre_id.clone())
            };
            let team = matches!(subject, Subject::Team(_));
            let record = SpecialAssessment {
                kind,
                subject: subject.clone(),
                assessed_on,
                team_grade: team.then_some(grade),
                findings: findings.iter().map(|text| Finding { text: text.clone() }).collect(),
                tasks: tasks
                    .iter()
                    .filter_map(|(title, due)| {
                        Some(FollowUpTask {
                            description: title.clone(),
                            owner: subject.id().to_owned(),
                            due: (*due)?,
                            done_on: None,
                        })
                    })
                    .collect(),
            };
            for violation in record.violations() {
                violations.add(
                    request_field(&violation.field),
                    format!("{}: {}", violation.reason, violation.description),
                );
            }
        }
        convert::finish(violations, "INVALID_SPECIAL_ASSESSMENT", "the special assessment is not valid")
            .map_err(status)?;
        let (Some(kind), Some(grade), Some(assessed_on)) = (kind, grade, assessed_on) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let year = request.year;
        let response = self
            .db
            .mutate(
                ctx,
                method!("RecordSpecialAssessment"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    if projection::unit(conn, &unit_id)?.is_none()
                        || !store::unit_in_scope(conn, &caller.scope, &unit_id)?
                    {
                        return Err(visible::unit_not_found(&unit_id));
                    }
                    if !cadre_id.is_empty()
                        && (projection::cadre(conn, &cadre_id)?.is_none()
                            || !store::cadre_in_scope(conn, &caller.scope, &cadre_id)?)
                    {
                        return Err(visible::cadre_not_found(&cadre_id));
                    }
                    let id = store::new_id();
                    tx.set_object("special_assessment", &id);
                    let row = SpecialRow {
                        id: id.clone(),
                        kind,
                        year,
                        org_unit_id: unit_id,
                        cadre_id,
                        grade: grade.code().to_owned(),
                        findings: json(&findings),
                        assessed_on,
                        recorded_by: caller.principal.subject.clone(),
                        recorded_at: clock::now(),
                    };
                    let task_rows: Vec<TaskRow> = tasks
                        .into_iter()
                        .enumerate()
                        .filter_map(|(i, (title, due))| {
                            Some(TaskRow {
                                id: store::new_id(),
                                special_assessment_id: id.clone(),
                                idx: i32::try_from(i).ok()?,
                                title,
                                due_date: due?,
                                done_on: None,
                                outcome: String::new(),
                                done_by: String::new(),
                            })
                        })
                        .collect();
                    let conn = tx.conn();
                    special_store::insert(conn, &row, &task_rows)?;
                    let special = view::special(&row, &task_rows, today);
                    events::special_recorded(tx, &special)?;
                    Ok(pb::RecordSpecialAssessmentResponse { special_assessment: Some(special) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn complete_follow_up_task_impl(
        &self,
        request: Request<pb::CompleteFollowUpTaskRequest>,
    ) -> Result<Response<pb::CompleteFollowUpTaskResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "special_assessment_id", &request.special_assessment_id);
        let task_id = convert::id(&mut violations, "task_id", &request.task_id);
        let outcome =
            convert::text(&mut violations, "outcome", &request.outcome, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_TASK_COMPLETION", "the task completion is not valid")
            .map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("CompleteFollowUpTask"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let not_found = || {
                    ApiError::not_found("SPECIAL_ASSESSMENT_NOT_FOUND", format!("no special assessment {id}"))
                };
                let (row, mut tasks) = special_store::get(conn, &id)?.ok_or_else(not_found)?;
                if !visible::special_visible(conn, &caller, &row)? {
                    return Err(not_found());
                }
                tx.set_object("special_assessment", &id);
                let index = tasks.iter().position(|t| t.id == task_id).ok_or_else(|| {
                    ApiError::not_found(
                        "TASK_NOT_FOUND",
                        format!("the special assessment has no task {task_id}"),
                    )
                })?;
                let mut record = domain_record(&row, &tasks)
                    .ok_or_else(|| ApiError::internal(format!("special assessment {id} is not readable")))?;
                record.complete_task(index, today).map_err(|refusal| match refusal {
                    TaskRefusal::NotFound { .. } => {
                        ApiError::not_found(refusal.reason(), refusal.to_string())
                    }
                    _ => ApiError::failed_precondition(refusal.reason(), refusal.to_string()),
                })?;
                let task = &mut tasks[index];
                task.done_on = Some(today);
                task.outcome = outcome;
                task.done_by.clone_from(&caller.principal.subject);
                special_store::update_task(tx.conn(), task)?;
                Ok(pb::CompleteFollowUpTaskResponse {
                    special_assessment: Some(view::special(&row, &tasks, today)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_special_assessments_impl(
        &self,
        request: Request<pb::ListSpecialAssessmentsRequest>,
    ) -> Result<Response<pb::ListSpecialAssessmentsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        if request.year != 0 {
            convert::year(&mut violations, "year", request.year);
        }
        let kind = match pb::SpecialKind::try_from(request.kind) {
            Ok(pb::SpecialKind::Unspecified) => None,
            Ok(kind) => convert::code_of(Some(kind.as_str_name()), "SPECIAL_KIND_"),
            Err(_) => {
                violations.add("kind", "is not a special kind");
                None
            }
        };
        convert::finish(violations, "INVALID_FILTER", "the list's filter is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &request.org_unit_id,
            &request.year.to_string(),
            kind.as_deref().unwrap_or(""),
        ]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after {
            None => None,
            Some(key) => match key.as_slice() {
                [day, id] => {
                    Some((day.parse::<NaiveDate>().map_err(|_| status(invalid_token()))?, id.clone()))
                }
                _ => return Err(status(invalid_token())),
            },
        };
        let (page, next) = self
            .db
            .run(move |conn| {
                let mut units = store::unit_ids_in_scope(conn, &caller.scope)?;
                let mut cadres = None;
                if request.org_unit_id.is_empty() {
                    // Outside the units in scope, a caller still sees the assessments of the people they see.
                    if units.is_some() {
                        cadres = store::cadre_ids_in_scope(conn, &caller.scope)?;
                    }
                } else {
                    let subtree: Vec<String> = projection::units_in_subtree(conn, &request.org_unit_id)?
                        .into_iter()
                        .map(|u| u.id)
                        .collect();
                    units = Some(match units {
                        None => subtree,
                        Some(scoped) => subtree.into_iter().filter(|u| scoped.contains(u)).collect(),
                    });
                }
                let filter = special_store::Filter {
                    unit_ids: units,
                    cadre_ids: cadres,
                    year: (request.year != 0).then_some(request.year),
                    kind,
                };
                let rows = special_store::list(conn, &filter, after, limit + 1)?;
                let (rows, next) = paging::finish_page(rows, limit, &filters, |r| {
                    vec![r.assessed_on.to_string(), r.id.clone()]
                });
                let mut page = Vec::with_capacity(rows.len());
                for row in &rows {
                    let tasks = special_store::tasks_of(conn, &row.id)?;
                    page.push(view::special(row, &tasks, today));
                }
                Ok((page, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListSpecialAssessmentsResponse {
            special_assessments: page,
            next_page_token: next,
        }))
    }
}

fn invalid_token() -> ApiError {
    ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
        .with_violation("page_token", "not a token from this query's previous page")
}
