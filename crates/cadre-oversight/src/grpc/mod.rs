//! The tonic implementation of `cadre.oversight.v1.OversightService`: checks requests and callers, calls the
//! rules in `domain` and the store inside one transaction, maps back. The methods are grouped by area, one
//! file each; this file only dispatches and holds what every area shares.

mod circulars;
mod decisions;
mod inspections;
mod integrity;
mod rectification;
mod responsibility;

use cadre_platform::{
    ApiError, Db, DbConn, Violations,
    auth::{Caller, Role},
    calendar::WorkingCalendar,
};
use cadre_projection::{CadreView, UnitView, store as projection};
use cadre_proto::oversight::{self as pb, oversight_service_server::OversightService};
use chrono::NaiveDate;
use tonic::{Code, Request, Response, Status};

use crate::store;

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "oversight.cadre";

/// What "today" is: the district's date, or a fixed one in tests of deadlines and windows.
pub type Today = cadre_platform::clock::Today;

/// The longest free text (a description, a plan, a report, a circular's body), in characters.
pub const MAX_TEXT_CHARS: usize = 8_000;
/// The longest short text (a 文号, a title, an article, one evidence entry), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// The most entries of a list in a request (evidence, units, inspectors, list items, entries).
pub const MAX_ITEMS: usize = 100;
/// Short texts in a list: each at most [`MAX_SHORT_CHARS`], at most [`MAX_ITEMS`] of them.
pub const SHORT_LIST: (usize, usize) = (MAX_SHORT_CHARS, MAX_ITEMS);

/// The oversight service over its database, with the working calendar its deadline lights count on.
#[derive(Clone)]
pub struct OversightApi {
    db: Db,
    today: Today,
    calendar: WorkingCalendar,
}

impl std::fmt::Debug for OversightApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OversightApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl OversightApi {
    /// A service over `db` (migrated) that takes the date from `today` and working days from `calendar`.
    pub fn new(db: Db, today: Today, calendar: WorkingCalendar) -> Self {
        Self { db, today, calendar }
    }

    fn today(&self) -> NaiveDate {
        (self.today)()
    }
}

fn status(error: ApiError) -> Status {
    error.into_status(ERROR_DOMAIN)
}

/// Whether the caller holds one of `roles` for this method.
fn holds(caller: &Caller, roles: &[Role]) -> bool {
    caller.granted.iter().any(|r| roles.contains(r))
}

/// Refused for the caller's role on this record.
fn denied(reason: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(Code::PermissionDenied, reason, message)
}

/// A cadre that does not exist, or that the caller may not see.
fn cadre_not_found(id: &str) -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {id}"))
}

/// A unit that does not exist, or that the caller may not see.
fn unit_not_found(id: &str) -> ApiError {
    ApiError::not_found("UNIT_NOT_FOUND", format!("no org unit {id}"))
}

/// A cadre the projection knows and the caller sees.
fn visible_cadre(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<CadreView, ApiError> {
    let cadre = projection::cadre(conn, id)?.ok_or_else(|| cadre_not_found(id))?;
    if !store::cadre_in_scope(conn, &caller.scope, id)? {
        return Err(cadre_not_found(id));
    }
    Ok(cadre)
}

/// A unit the projection knows and the caller sees.
fn visible_unit(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<UnitView, ApiError> {
    let unit = projection::unit(conn, id)?.ok_or_else(|| unit_not_found(id))?;
    if !store::unit_in_scope(conn, &caller.scope, id)? {
        return Err(unit_not_found(id));
    }
    Ok(unit)
}

/// A year the suite keeps records for.
fn year(violations: &mut Violations, field: &str, year: i32) -> i32 {
    violations.require((1990..=2999).contains(&year), field, "must be a year between 1990 and 2999");
    year
}

/// A day that must be given and not be after today.
fn past_date(
    violations: &mut Violations,
    field: &str,
    date: Option<&cadre_proto::types::Date>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let day = cadre_platform::dates::required_date(violations, field, date)?;
    violations.require(day <= today, field, "is after today");
    Some(day)
}

/// Fails with every violation at once.
fn finish(violations: Violations, reason: &str, message: &str) -> Result<(), Status> {
    violations.finish(reason, message).map_err(status)
}

/// The last id of the previous page, from a token bound to `filters`.
fn after_token(token: &str, filters: &str) -> Result<Option<String>, Status> {
    cadre_platform::paging::after_id(token, filters).map_err(status)
}

/// A page of `limit` out of `rows` (fetched `limit + 1`), with the token after its last id.
fn page<T>(rows: Vec<T>, limit: i64, filters: &str, id: impl Fn(&T) -> String) -> (Vec<T>, String) {
    cadre_platform::paging::finish_id_page(rows, limit, filters, id)
}

#[tonic::async_trait]
impl OversightService for OversightApi {
    async fn set_responsibility(
        &self,
        request: Request<pb::SetResponsibilityRequest>,
    ) -> Result<Response<pb::SetResponsibilityResponse>, Status> {
        self.set_responsibility_impl(request).await
    }
    async fn list_responsibilities(
        &self,
        request: Request<pb::ListResponsibilitiesRequest>,
    ) -> Result<Response<pb::ListResponsibilitiesResponse>, Status> {
        self.list_responsibilities_impl(request).await
    }
    async fn get_responsibility_view(
        &self,
        request: Request<pb::GetResponsibilityViewRequest>,
    ) -> Result<Response<pb::GetResponsibilityViewResponse>, Status> {
        self.get_responsibility_view_impl(request).await
    }
    async fn plan_inspection(
        &self,
        request: Request<pb::PlanInspectionRequest>,
    ) -> Result<Response<pb::PlanInspectionResponse>, Status> {
        self.plan_inspection_impl(request).await
    }
    async fn close_inspection(
        &self,
        request: Request<pb::CloseInspectionRequest>,
    ) -> Result<Response<pb::CloseInspectionResponse>, Status> {
        self.close_inspection_impl(request).await
    }
    async fn get_inspection(
        &self,
        request: Request<pb::GetInspectionRequest>,
    ) -> Result<Response<pb::GetInspectionResponse>, Status> {
        self.get_inspection_impl(request).await
    }
    async fn list_inspections(
        &self,
        request: Request<pb::ListInspectionsRequest>,
    ) -> Result<Response<pb::ListInspectionsResponse>, Status> {
        self.list_inspections_impl(request).await
    }
    async fn record_finding(
        &self,
        request: Request<pb::RecordFindingRequest>,
    ) -> Result<Response<pb::RecordFindingResponse>, Status> {
        self.record_finding_impl(request).await
    }
    async fn get_finding(
        &self,
        request: Request<pb::GetFindingRequest>,
    ) -> Result<Response<pb::GetFindingResponse>, Status> {
        self.get_finding_impl(request).await
    }
    async fn list_findings(
        &self,
        request: Request<pb::ListFindingsRequest>,
    ) -> Result<Response<pb::ListFindingsResponse>, Status> {
        self.list_findings_impl(request).await
    }
    async fn dismiss_finding(
        &self,
        request: Request<pb::DismissFindingRequest>,
    ) -> Result<Response<pb::DismissFindingResponse>, Status> {
        self.dismiss_finding_impl(request).await
    }
    async fn assign_rectification(
        &self,
        request: Request<pb::AssignRectificationRequest>,
    ) -> Result<Response<pb::AssignRectificationResponse>, Status> {
        self.assign_rectification_impl(request).await
    }
    async fn submit_rectification_plan(
        &self,
        request: Request<pb::SubmitRectificationPlanRequest>,
    ) -> Result<Response<pb::SubmitRectificationPlanResponse>, Status> {
        self.submit_rectification_plan_impl(request).await
    }
    async fn report_rectification(
        &self,
        request: Request<pb::ReportRectificationRequest>,
    ) -> Result<Response<pb::ReportRectificationResponse>, Status> {
        self.report_rectification_impl(request).await
    }
    async fn verify_rectification(
        &self,
        request: Request<pb::VerifyRectificationRequest>,
    ) -> Result<Response<pb::VerifyRectificationResponse>, Status> {
        self.verify_rectification_impl(request).await
    }
    async fn request_extension(
        &self,
        request: Request<pb::RequestExtensionRequest>,
    ) -> Result<Response<pb::RequestExtensionResponse>, Status> {
        self.request_extension_impl(request).await
    }
    async fn decide_extension(
        &self,
        request: Request<pb::DecideExtensionRequest>,
    ) -> Result<Response<pb::DecideExtensionResponse>, Status> {
        self.decide_extension_impl(request).await
    }
    async fn get_rectification(
        &self,
        request: Request<pb::GetRectificationRequest>,
    ) -> Result<Response<pb::GetRectificationResponse>, Status> {
        self.get_rectification_impl(request).await
    }
    async fn list_rectifications(
        &self,
        request: Request<pb::ListRectificationsRequest>,
    ) -> Result<Response<pb::ListRectificationsResponse>, Status> {
        self.list_rectifications_impl(request).await
    }
    async fn get_rectification_ledger(
        &self,
        request: Request<pb::GetRectificationLedgerRequest>,
    ) -> Result<Response<pb::GetRectificationLedgerResponse>, Status> {
        self.get_rectification_ledger_impl(request).await
    }
    async fn record_decision(
        &self,
        request: Request<pb::RecordDecisionRequest>,
    ) -> Result<Response<pb::RecordDecisionResponse>, Status> {
        self.record_decision_impl(request).await
    }
    async fn get_decision(
        &self,
        request: Request<pb::GetDecisionRequest>,
    ) -> Result<Response<pb::GetDecisionResponse>, Status> {
        self.get_decision_impl(request).await
    }
    async fn list_decisions(
        &self,
        request: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        self.list_decisions_impl(request).await
    }
    async fn record_archive_filing(
        &self,
        request: Request<pb::RecordArchiveFilingRequest>,
    ) -> Result<Response<pb::RecordArchiveFilingResponse>, Status> {
        self.record_archive_filing_impl(request).await
    }
    async fn get_escalation_proposal(
        &self,
        request: Request<pb::GetEscalationProposalRequest>,
    ) -> Result<Response<pb::GetEscalationProposalResponse>, Status> {
        self.get_escalation_proposal_impl(request).await
    }
    async fn get_restrictions(
        &self,
        request: Request<pb::GetRestrictionsRequest>,
    ) -> Result<Response<pb::GetRestrictionsResponse>, Status> {
        self.get_restrictions_impl(request).await
    }
    async fn batch_get_restrictions(
        &self,
        request: Request<pb::BatchGetRestrictionsRequest>,
    ) -> Result<Response<pb::BatchGetRestrictionsResponse>, Status> {
        self.batch_get_restrictions_impl(request).await
    }
    async fn draft_circular(
        &self,
        request: Request<pb::DraftCircularRequest>,
    ) -> Result<Response<pb::DraftCircularResponse>, Status> {
        self.draft_circular_impl(request).await
    }
    async fn issue_circular(
        &self,
        request: Request<pb::IssueCircularRequest>,
    ) -> Result<Response<pb::IssueCircularResponse>, Status> {
        self.issue_circular_impl(request).await
    }
    async fn get_circular(
        &self,
        request: Request<pb::GetCircularRequest>,
    ) -> Result<Response<pb::GetCircularResponse>, Status> {
        self.get_circular_impl(request).await
    }
    async fn list_circulars(
        &self,
        request: Request<pb::ListCircularsRequest>,
    ) -> Result<Response<pb::ListCircularsResponse>, Status> {
        self.list_circulars_impl(request).await
    }
    async fn list_circular_mentions(
        &self,
        request: Request<pb::ListCircularMentionsRequest>,
    ) -> Result<Response<pb::ListCircularMentionsResponse>, Status> {
        self.list_circular_mentions_impl(request).await
    }
    async fn record_negative_information(
        &self,
        request: Request<pb::RecordNegativeInformationRequest>,
    ) -> Result<Response<pb::RecordNegativeInformationResponse>, Status> {
        self.record_negative_information_impl(request).await
    }
    async fn list_negative_information(
        &self,
        request: Request<pb::ListNegativeInformationRequest>,
    ) -> Result<Response<pb::ListNegativeInformationResponse>, Status> {
        self.list_negative_information_impl(request).await
    }
    async fn get_risk_warning(
        &self,
        request: Request<pb::GetRiskWarningRequest>,
    ) -> Result<Response<pb::GetRiskWarningResponse>, Status> {
        self.get_risk_warning_impl(request).await
    }
    async fn list_risk_warnings(
        &self,
        request: Request<pb::ListRiskWarningsRequest>,
    ) -> Result<Response<pb::ListRiskWarningsResponse>, Status> {
        self.list_risk_warnings_impl(request).await
    }
    async fn request_integrity_opinion(
        &self,
        request: Request<pb::RequestIntegrityOpinionRequest>,
    ) -> Result<Response<pb::RequestIntegrityOpinionResponse>, Status> {
        self.request_integrity_opinion_impl(request).await
    }
    async fn answer_integrity_opinion(
        &self,
        request: Request<pb::AnswerIntegrityOpinionRequest>,
    ) -> Result<Response<pb::AnswerIntegrityOpinionResponse>, Status> {
        self.answer_integrity_opinion_impl(request).await
    }
    async fn get_integrity_opinion(
        &self,
        request: Request<pb::GetIntegrityOpinionRequest>,
    ) -> Result<Response<pb::GetIntegrityOpinionResponse>, Status> {
        self.get_integrity_opinion_impl(request).await
    }
    async fn list_integrity_opinions(
        &self,
        request: Request<pb::ListIntegrityOpinionsRequest>,
    ) -> Result<Response<pb::ListIntegrityOpinionsResponse>, Status> {
        self.list_integrity_opinions_impl(request).await
    }
    async fn get_unit_oversight_report(
        &self,
        request: Request<pb::GetUnitOversightReportRequest>,
    ) -> Result<Response<pb::GetUnitOversightReportResponse>, Status> {
        self.get_unit_oversight_report_impl(request).await
    }
    async fn get_decision_statistics(
        &self,
        request: Request<pb::GetDecisionStatisticsRequest>,
    ) -> Result<Response<pb::GetDecisionStatisticsResponse>, Status> {
        self.get_decision_statistics_impl(request).await
    }
}
