//! The tonic implementation of `cadre.assessment.v1.AssessmentService`: checks requests and callers, calls
//! the rules in `domain` and the store inside one transaction (through `workflow`), maps back. No SQL and
//! no rules live here. The methods are grouped by the job they do, one file each; this file only
//! dispatches.

mod cycles;
mod measures;
mod objections;
mod participants;
mod reports;
mod results;
mod routine;
mod special;
mod visible;

use cadre_platform::{ApiError, Db, calendar::WorkingCalendar};
use cadre_proto::assessment::{self as pb, assessment_service_server::AssessmentService};
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "assessment.cadre";

/// What "today" is: the district's date, or a fixed one in tests of deadlines and publicity.
pub type Today = cadre_platform::clock::Today;

/// The assessment service over its database.
#[derive(Clone)]
pub struct AssessmentApi {
    db: Db,
    today: Today,
    calendar: WorkingCalendar,
}

impl std::fmt::Debug for AssessmentApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssessmentApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl AssessmentApi {
    /// A service over `db` (migrated) that takes the date from `today` and counts working days with
    /// `calendar`.
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

#[tonic::async_trait]
impl AssessmentService for AssessmentApi {
    async fn open_annual_cycle(
        &self,
        request: Request<pb::OpenAnnualCycleRequest>,
    ) -> Result<Response<pb::OpenAnnualCycleResponse>, Status> {
        self.open_annual_cycle_impl(request).await
    }
    async fn get_annual_cycle(
        &self,
        request: Request<pb::GetAnnualCycleRequest>,
    ) -> Result<Response<pb::GetAnnualCycleResponse>, Status> {
        self.get_annual_cycle_impl(request).await
    }
    async fn list_annual_cycles(
        &self,
        request: Request<pb::ListAnnualCyclesRequest>,
    ) -> Result<Response<pb::ListAnnualCyclesResponse>, Status> {
        self.list_annual_cycles_impl(request).await
    }
    async fn list_annual_assessments(
        &self,
        request: Request<pb::ListAnnualAssessmentsRequest>,
    ) -> Result<Response<pb::ListAnnualAssessmentsResponse>, Status> {
        self.list_annual_assessments_impl(request).await
    }
    async fn get_annual_assessment(
        &self,
        request: Request<pb::GetAnnualAssessmentRequest>,
    ) -> Result<Response<pb::GetAnnualAssessmentResponse>, Status> {
        self.get_annual_assessment_impl(request).await
    }
    async fn update_participation(
        &self,
        request: Request<pb::UpdateParticipationRequest>,
    ) -> Result<Response<pb::UpdateParticipationResponse>, Status> {
        self.update_participation_impl(request).await
    }
    async fn submit_self_summary(
        &self,
        request: Request<pb::SubmitSelfSummaryRequest>,
    ) -> Result<Response<pb::SubmitSelfSummaryResponse>, Status> {
        self.submit_self_summary_impl(request).await
    }
    async fn propose_grade(
        &self,
        request: Request<pb::ProposeGradeRequest>,
    ) -> Result<Response<pb::ProposeGradeResponse>, Status> {
        self.propose_grade_impl(request).await
    }
    async fn start_publicity(
        &self,
        request: Request<pb::StartPublicityRequest>,
    ) -> Result<Response<pb::StartPublicityResponse>, Status> {
        self.start_publicity_impl(request).await
    }
    async fn raise_objection(
        &self,
        request: Request<pb::RaiseObjectionRequest>,
    ) -> Result<Response<pb::RaiseObjectionResponse>, Status> {
        self.raise_objection_impl(request).await
    }
    async fn resolve_objection(
        &self,
        request: Request<pb::ResolveObjectionRequest>,
    ) -> Result<Response<pb::ResolveObjectionResponse>, Status> {
        self.resolve_objection_impl(request).await
    }
    async fn determine_grades(
        &self,
        request: Request<pb::DetermineGradesRequest>,
    ) -> Result<Response<pb::DetermineGradesResponse>, Status> {
        self.determine_grades_impl(request).await
    }
    async fn acknowledge_result(
        &self,
        request: Request<pb::AcknowledgeResultRequest>,
    ) -> Result<Response<pb::AcknowledgeResultResponse>, Status> {
        self.acknowledge_result_impl(request).await
    }
    async fn request_result_review(
        &self,
        request: Request<pb::RequestResultReviewRequest>,
    ) -> Result<Response<pb::RequestResultReviewResponse>, Status> {
        self.request_result_review_impl(request).await
    }
    async fn decide_result_review(
        &self,
        request: Request<pb::DecideResultReviewRequest>,
    ) -> Result<Response<pb::DecideResultReviewResponse>, Status> {
        self.decide_result_review_impl(request).await
    }
    async fn complete_deferred_assessment(
        &self,
        request: Request<pb::CompleteDeferredAssessmentRequest>,
    ) -> Result<Response<pb::CompleteDeferredAssessmentResponse>, Status> {
        self.complete_deferred_assessment_impl(request).await
    }
    async fn close_annual_cycle(
        &self,
        request: Request<pb::CloseAnnualCycleRequest>,
    ) -> Result<Response<pb::CloseAnnualCycleResponse>, Status> {
        self.close_annual_cycle_impl(request).await
    }
    async fn list_annual_results(
        &self,
        request: Request<pb::ListAnnualResultsRequest>,
    ) -> Result<Response<pb::ListAnnualResultsResponse>, Status> {
        self.list_annual_results_impl(request).await
    }
    async fn record_routine_assessment(
        &self,
        request: Request<pb::RecordRoutineAssessmentRequest>,
    ) -> Result<Response<pb::RecordRoutineAssessmentResponse>, Status> {
        self.record_routine_assessment_impl(request).await
    }
    async fn list_routine_assessments(
        &self,
        request: Request<pb::ListRoutineAssessmentsRequest>,
    ) -> Result<Response<pb::ListRoutineAssessmentsResponse>, Status> {
        self.list_routine_assessments_impl(request).await
    }
    async fn record_special_assessment(
        &self,
        request: Request<pb::RecordSpecialAssessmentRequest>,
    ) -> Result<Response<pb::RecordSpecialAssessmentResponse>, Status> {
        self.record_special_assessment_impl(request).await
    }
    async fn complete_follow_up_task(
        &self,
        request: Request<pb::CompleteFollowUpTaskRequest>,
    ) -> Result<Response<pb::CompleteFollowUpTaskResponse>, Status> {
        self.complete_follow_up_task_impl(request).await
    }
    async fn list_special_assessments(
        &self,
        request: Request<pb::ListSpecialAssessmentsRequest>,
    ) -> Result<Response<pb::ListSpecialAssessmentsResponse>, Status> {
        self.list_special_assessments_impl(request).await
    }
    async fn record_conduct_measure(
        &self,
        request: Request<pb::RecordConductMeasureRequest>,
    ) -> Result<Response<pb::RecordConductMeasureResponse>, Status> {
        self.record_conduct_measure_impl(request).await
    }
    async fn get_grade_distribution(
        &self,
        request: Request<pb::GetGradeDistributionRequest>,
    ) -> Result<Response<pb::GetGradeDistributionResponse>, Status> {
        self.get_grade_distribution_impl(request).await
    }
    async fn list_missing_results(
        &self,
        request: Request<pb::ListMissingResultsRequest>,
    ) -> Result<Response<pb::ListMissingResultsResponse>, Status> {
        self.list_missing_results_impl(request).await
    }
    async fn get_assessment_history(
        &self,
        request: Request<pb::GetAssessmentHistoryRequest>,
    ) -> Result<Response<pb::GetAssessmentHistoryResponse>, Status> {
        self.get_assessment_history_impl(request).await
    }
}
