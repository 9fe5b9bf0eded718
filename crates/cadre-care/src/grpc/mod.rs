//! The tonic implementation of `cadre.care.v1.CareService`: checks requests and callers, calls the rules
//! in `domain` and the store inside one transaction, maps back. The methods are grouped by area, one file
//! each; this file only dispatches and holds what every area shares.

mod assignments;
mod fund;
mod health;
mod legacy;
mod rewards;
mod talks;
mod tolerance;
mod visits;

use cadre_platform::{
    ApiError, Db, DbConn, Violations,
    auth::{Caller, Role},
    paging,
};
use cadre_projection::{CadreView, UnitView, store as projection};
use cadre_proto::care::{self as pb, care_service_server::CareService};
use chrono::NaiveDate;
use tonic::{Code, Request, Response, Status};

use crate::store;

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "care.cadre";

/// What "today" is: the district's date, or a fixed one in tests of due days and periods.
pub type Today = cadre_platform::clock::Today;

/// The longest free text (a summary, a description, notes), in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The longest short text (a 文号, an issuer, a name, one list entry), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// The most entries of a list in a request (evidence, visitors, parties, follow-ups, charges).
pub const MAX_ITEMS: usize = 50;

/// The care service over its database.
#[derive(Clone)]
pub struct CareApi {
    db: Db,
    today: Today,
}

impl std::fmt::Debug for CareApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CareApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl CareApi {
    /// A service over `db` (migrated) that takes the date from `today`.
    pub fn new(db: Db, today: Today) -> Self {
        Self { db, today }
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

/// Trimmed texts with a length limit and ids: the suite's shared checks.
use cadre_platform::input::{id, optional_id, text};

/// A list of short texts: each entry at most [`MAX_SHORT_CHARS`], at most [`MAX_ITEMS`] entries.
fn texts(violations: &mut Violations, field: &str, values: &[String], required: bool) -> Vec<String> {
    cadre_platform::input::texts(violations, field, values, (MAX_SHORT_CHARS, MAX_ITEMS), required)
}

/// The last id of the previous page, from a token bound to `filters`.
fn after_token(token: &str, filters: &str) -> Result<Option<String>, Status> {
    paging::after_id(token, filters).map_err(status)
}

/// A page of `limit` out of `rows` (fetched `limit + 1`), with the token after its last id.
fn page<T>(rows: Vec<T>, limit: i64, filters: &str, id: impl Fn(&T) -> String) -> (Vec<T>, String) {
    paging::finish_id_page(rows, limit, filters, id)
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

#[tonic::async_trait]
impl CareService for CareApi {
    async fn record_reward(
        &self,
        request: Request<pb::RecordRewardRequest>,
    ) -> Result<Response<pb::RecordRewardResponse>, Status> {
        self.record_reward_impl(request).await
    }
    async fn get_reward(
        &self,
        request: Request<pb::GetRewardRequest>,
    ) -> Result<Response<pb::GetRewardResponse>, Status> {
        self.get_reward_impl(request).await
    }
    async fn list_rewards(
        &self,
        request: Request<pb::ListRewardsRequest>,
    ) -> Result<Response<pb::ListRewardsResponse>, Status> {
        self.list_rewards_impl(request).await
    }
    async fn list_reward_proposals(
        &self,
        request: Request<pb::ListRewardProposalsRequest>,
    ) -> Result<Response<pb::ListRewardProposalsResponse>, Status> {
        self.list_reward_proposals_impl(request).await
    }
    async fn confirm_reward_proposal(
        &self,
        request: Request<pb::ConfirmRewardProposalRequest>,
    ) -> Result<Response<pb::ConfirmRewardProposalResponse>, Status> {
        self.confirm_reward_proposal_impl(request).await
    }
    async fn decline_reward_proposal(
        &self,
        request: Request<pb::DeclineRewardProposalRequest>,
    ) -> Result<Response<pb::DeclineRewardProposalResponse>, Status> {
        self.decline_reward_proposal_impl(request).await
    }
    async fn record_fund_contribution(
        &self,
        request: Request<pb::RecordFundContributionRequest>,
    ) -> Result<Response<pb::RecordFundContributionResponse>, Status> {
        self.record_fund_contribution_impl(request).await
    }
    async fn submit_fund_application(
        &self,
        request: Request<pb::SubmitFundApplicationRequest>,
    ) -> Result<Response<pb::SubmitFundApplicationResponse>, Status> {
        self.submit_fund_application_impl(request).await
    }
    async fn get_fund_application(
        &self,
        request: Request<pb::GetFundApplicationRequest>,
    ) -> Result<Response<pb::GetFundApplicationResponse>, Status> {
        self.get_fund_application_impl(request).await
    }
    async fn list_fund_applications(
        &self,
        request: Request<pb::ListFundApplicationsRequest>,
    ) -> Result<Response<pb::ListFundApplicationsResponse>, Status> {
        self.list_fund_applications_impl(request).await
    }
    async fn decide_fund_application(
        &self,
        request: Request<pb::DecideFundApplicationRequest>,
    ) -> Result<Response<pb::DecideFundApplicationResponse>, Status> {
        self.decide_fund_application_impl(request).await
    }
    async fn disburse_fund_application(
        &self,
        request: Request<pb::DisburseFundApplicationRequest>,
    ) -> Result<Response<pb::DisburseFundApplicationResponse>, Status> {
        self.disburse_fund_application_impl(request).await
    }
    async fn get_fund_report(
        &self,
        request: Request<pb::GetFundReportRequest>,
    ) -> Result<Response<pb::GetFundReportResponse>, Status> {
        self.get_fund_report_impl(request).await
    }
    async fn set_health_check_plan(
        &self,
        request: Request<pb::SetHealthCheckPlanRequest>,
    ) -> Result<Response<pb::SetHealthCheckPlanResponse>, Status> {
        self.set_health_check_plan_impl(request).await
    }
    async fn list_health_check_plans(
        &self,
        request: Request<pb::ListHealthCheckPlansRequest>,
    ) -> Result<Response<pb::ListHealthCheckPlansResponse>, Status> {
        self.list_health_check_plans_impl(request).await
    }
    async fn record_health_check(
        &self,
        request: Request<pb::RecordHealthCheckRequest>,
    ) -> Result<Response<pb::RecordHealthCheckResponse>, Status> {
        self.record_health_check_impl(request).await
    }
    async fn list_health_checks(
        &self,
        request: Request<pb::ListHealthChecksRequest>,
    ) -> Result<Response<pb::ListHealthChecksResponse>, Status> {
        self.list_health_checks_impl(request).await
    }
    async fn get_health_check_report(
        &self,
        request: Request<pb::GetHealthCheckReportRequest>,
    ) -> Result<Response<pb::GetHealthCheckReportResponse>, Status> {
        self.get_health_check_report_impl(request).await
    }
    async fn record_visit_trigger(
        &self,
        request: Request<pb::RecordVisitTriggerRequest>,
    ) -> Result<Response<pb::RecordVisitTriggerResponse>, Status> {
        self.record_visit_trigger_impl(request).await
    }
    async fn list_visit_triggers(
        &self,
        request: Request<pb::ListVisitTriggersRequest>,
    ) -> Result<Response<pb::ListVisitTriggersResponse>, Status> {
        self.list_visit_triggers_impl(request).await
    }
    async fn record_visit(
        &self,
        request: Request<pb::RecordVisitRequest>,
    ) -> Result<Response<pb::RecordVisitResponse>, Status> {
        self.record_visit_impl(request).await
    }
    async fn list_visits(
        &self,
        request: Request<pb::ListVisitsRequest>,
    ) -> Result<Response<pb::ListVisitsResponse>, Status> {
        self.list_visits_impl(request).await
    }
    async fn set_leader_charges(
        &self,
        request: Request<pb::SetLeaderChargesRequest>,
    ) -> Result<Response<pb::SetLeaderChargesResponse>, Status> {
        self.set_leader_charges_impl(request).await
    }
    async fn get_leader_charges(
        &self,
        request: Request<pb::GetLeaderChargesRequest>,
    ) -> Result<Response<pb::GetLeaderChargesResponse>, Status> {
        self.get_leader_charges_impl(request).await
    }
    async fn record_talk_trigger(
        &self,
        request: Request<pb::RecordTalkTriggerRequest>,
    ) -> Result<Response<pb::RecordTalkTriggerResponse>, Status> {
        self.record_talk_trigger_impl(request).await
    }
    async fn list_talk_triggers(
        &self,
        request: Request<pb::ListTalkTriggersRequest>,
    ) -> Result<Response<pb::ListTalkTriggersResponse>, Status> {
        self.list_talk_triggers_impl(request).await
    }
    async fn record_talk(
        &self,
        request: Request<pb::RecordTalkRequest>,
    ) -> Result<Response<pb::RecordTalkResponse>, Status> {
        self.record_talk_impl(request).await
    }
    async fn get_talk(
        &self,
        request: Request<pb::GetTalkRequest>,
    ) -> Result<Response<pb::GetTalkResponse>, Status> {
        self.get_talk_impl(request).await
    }
    async fn list_talks(
        &self,
        request: Request<pb::ListTalksRequest>,
    ) -> Result<Response<pb::ListTalksResponse>, Status> {
        self.list_talks_impl(request).await
    }
    async fn list_overdue_talks(
        &self,
        request: Request<pb::ListOverdueTalksRequest>,
    ) -> Result<Response<pb::ListOverdueTalksResponse>, Status> {
        self.list_overdue_talks_impl(request).await
    }
    async fn record_assignment(
        &self,
        request: Request<pb::RecordAssignmentRequest>,
    ) -> Result<Response<pb::RecordAssignmentResponse>, Status> {
        self.record_assignment_impl(request).await
    }
    async fn evaluate_assignment(
        &self,
        request: Request<pb::EvaluateAssignmentRequest>,
    ) -> Result<Response<pb::EvaluateAssignmentResponse>, Status> {
        self.evaluate_assignment_impl(request).await
    }
    async fn list_assignments(
        &self,
        request: Request<pb::ListAssignmentsRequest>,
    ) -> Result<Response<pb::ListAssignmentsResponse>, Status> {
        self.list_assignments_impl(request).await
    }
    async fn open_transfer_case(
        &self,
        request: Request<pb::OpenTransferCaseRequest>,
    ) -> Result<Response<pb::OpenTransferCaseResponse>, Status> {
        self.open_transfer_case_impl(request).await
    }
    async fn decide_transfer_case(
        &self,
        request: Request<pb::DecideTransferCaseRequest>,
    ) -> Result<Response<pb::DecideTransferCaseResponse>, Status> {
        self.decide_transfer_case_impl(request).await
    }
    async fn list_transfer_cases(
        &self,
        request: Request<pb::ListTransferCasesRequest>,
    ) -> Result<Response<pb::ListTransferCasesResponse>, Status> {
        self.list_transfer_cases_impl(request).await
    }
    async fn open_registration_case(
        &self,
        request: Request<pb::OpenRegistrationCaseRequest>,
    ) -> Result<Response<pb::OpenRegistrationCaseResponse>, Status> {
        self.open_registration_case_impl(request).await
    }
    async fn decide_registration_case(
        &self,
        request: Request<pb::DecideRegistrationCaseRequest>,
    ) -> Result<Response<pb::DecideRegistrationCaseResponse>, Status> {
        self.decide_registration_case_impl(request).await
    }
    async fn list_registration_cases(
        &self,
        request: Request<pb::ListRegistrationCasesRequest>,
    ) -> Result<Response<pb::ListRegistrationCasesResponse>, Status> {
        self.list_registration_cases_impl(request).await
    }
    async fn record_backlog_item(
        &self,
        request: Request<pb::RecordBacklogItemRequest>,
    ) -> Result<Response<pb::RecordBacklogItemResponse>, Status> {
        self.record_backlog_item_impl(request).await
    }
    async fn resolve_backlog_item(
        &self,
        request: Request<pb::ResolveBacklogItemRequest>,
    ) -> Result<Response<pb::ResolveBacklogItemResponse>, Status> {
        self.resolve_backlog_item_impl(request).await
    }
    async fn list_backlog_items(
        &self,
        request: Request<pb::ListBacklogItemsRequest>,
    ) -> Result<Response<pb::ListBacklogItemsResponse>, Status> {
        self.list_backlog_items_impl(request).await
    }
    async fn get_backlog_burndown(
        &self,
        request: Request<pb::GetBacklogBurndownRequest>,
    ) -> Result<Response<pb::GetBacklogBurndownResponse>, Status> {
        self.get_backlog_burndown_impl(request).await
    }
    async fn open_tolerance_review(
        &self,
        request: Request<pb::OpenToleranceReviewRequest>,
    ) -> Result<Response<pb::OpenToleranceReviewResponse>, Status> {
        self.open_tolerance_review_impl(request).await
    }
    async fn decide_tolerance_review(
        &self,
        request: Request<pb::DecideToleranceReviewRequest>,
    ) -> Result<Response<pb::DecideToleranceReviewResponse>, Status> {
        self.decide_tolerance_review_impl(request).await
    }
    async fn get_tolerance_review(
        &self,
        request: Request<pb::GetToleranceReviewRequest>,
    ) -> Result<Response<pb::GetToleranceReviewResponse>, Status> {
        self.get_tolerance_review_impl(request).await
    }
    async fn list_tolerance_reviews(
        &self,
        request: Request<pb::ListToleranceReviewsRequest>,
    ) -> Result<Response<pb::ListToleranceReviewsResponse>, Status> {
        self.list_tolerance_reviews_impl(request).await
    }
}
