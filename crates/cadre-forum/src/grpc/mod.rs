//! The tonic implementation of `cadre.forum.v1.ForumService`: checks requests and callers, calls the rules
//! in `domain` and the store inside one transaction, maps back. The methods are grouped by the job they do,
//! one file each; this file only dispatches.

mod attendance;
mod forums;
mod plans;
mod reports;
mod sessions;
mod visible;

use cadre_platform::{ApiError, Db};
use cadre_proto::forum::{self as pb, forum_service_server::ForumService};
use chrono::{DateTime, NaiveDate, Utc};
use tonic::{Request, Response, Status};

use crate::service::{Now, Today};

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "forum.cadre";

/// The forum service over its database.
#[derive(Clone)]
pub struct ForumApi {
    db: Db,
    today: Today,
    now: Now,
}

impl std::fmt::Debug for ForumApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForumApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl ForumApi {
    /// A service over `db` (migrated) that takes the date from `today` and the instant from `now`.
    pub fn new(db: Db, today: Today, now: Now) -> Self {
        Self { db, today, now }
    }

    fn today(&self) -> NaiveDate {
        (self.today)()
    }

    fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }
}

fn status(error: ApiError) -> Status {
    error.into_status(ERROR_DOMAIN)
}

#[tonic::async_trait]
impl ForumService for ForumApi {
    async fn propose_forum(
        &self,
        request: Request<pb::ProposeForumRequest>,
    ) -> Result<Response<pb::ProposeForumResponse>, Status> {
        self.propose_forum_impl(request).await
    }
    async fn approve_forum(
        &self,
        request: Request<pb::ApproveForumRequest>,
    ) -> Result<Response<pb::ApproveForumResponse>, Status> {
        self.approve_forum_impl(request).await
    }
    async fn suspend_forum(
        &self,
        request: Request<pb::SuspendForumRequest>,
    ) -> Result<Response<pb::SuspendForumResponse>, Status> {
        self.suspend_forum_impl(request).await
    }
    async fn resume_forum(
        &self,
        request: Request<pb::ResumeForumRequest>,
    ) -> Result<Response<pb::ResumeForumResponse>, Status> {
        self.resume_forum_impl(request).await
    }
    async fn close_forum(
        &self,
        request: Request<pb::CloseForumRequest>,
    ) -> Result<Response<pb::CloseForumResponse>, Status> {
        self.close_forum_impl(request).await
    }
    async fn get_forum(
        &self,
        request: Request<pb::GetForumRequest>,
    ) -> Result<Response<pb::GetForumResponse>, Status> {
        self.get_forum_impl(request).await
    }
    async fn list_forums(
        &self,
        request: Request<pb::ListForumsRequest>,
    ) -> Result<Response<pb::ListForumsResponse>, Status> {
        self.list_forums_impl(request).await
    }
    async fn set_district_plan(
        &self,
        request: Request<pb::SetDistrictPlanRequest>,
    ) -> Result<Response<pb::SetDistrictPlanResponse>, Status> {
        self.set_district_plan_impl(request).await
    }
    async fn get_district_plan(
        &self,
        request: Request<pb::GetDistrictPlanRequest>,
    ) -> Result<Response<pb::GetDistrictPlanResponse>, Status> {
        self.get_district_plan_impl(request).await
    }
    async fn plan_forum_year(
        &self,
        request: Request<pb::PlanForumYearRequest>,
    ) -> Result<Response<pb::PlanForumYearResponse>, Status> {
        self.plan_forum_year_impl(request).await
    }
    async fn get_plan_completion(
        &self,
        request: Request<pb::GetPlanCompletionRequest>,
    ) -> Result<Response<pb::GetPlanCompletionResponse>, Status> {
        self.get_plan_completion_impl(request).await
    }
    async fn schedule_session(
        &self,
        request: Request<pb::ScheduleSessionRequest>,
    ) -> Result<Response<pb::ScheduleSessionResponse>, Status> {
        self.schedule_session_impl(request).await
    }
    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::GetSessionResponse>, Status> {
        self.get_session_impl(request).await
    }
    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        self.list_sessions_impl(request).await
    }
    async fn cancel_session(
        &self,
        request: Request<pb::CancelSessionRequest>,
    ) -> Result<Response<pb::CancelSessionResponse>, Status> {
        self.cancel_session_impl(request).await
    }
    async fn mark_session_held(
        &self,
        request: Request<pb::MarkSessionHeldRequest>,
    ) -> Result<Response<pb::MarkSessionHeldResponse>, Status> {
        self.mark_session_held_impl(request).await
    }
    async fn open_check_in(
        &self,
        request: Request<pb::OpenCheckInRequest>,
    ) -> Result<Response<pb::OpenCheckInResponse>, Status> {
        self.open_check_in_impl(request).await
    }
    async fn check_in(
        &self,
        request: Request<pb::CheckInRequest>,
    ) -> Result<Response<pb::CheckInResponse>, Status> {
        self.check_in_impl(request).await
    }
    async fn import_sign_in_sheet(
        &self,
        request: Request<pb::ImportSignInSheetRequest>,
    ) -> Result<Response<pb::ImportSignInSheetResponse>, Status> {
        self.import_sign_in_sheet_impl(request).await
    }
    async fn correct_attendance(
        &self,
        request: Request<pb::CorrectAttendanceRequest>,
    ) -> Result<Response<pb::CorrectAttendanceResponse>, Status> {
        self.correct_attendance_impl(request).await
    }
    async fn list_attendances(
        &self,
        request: Request<pb::ListAttendancesRequest>,
    ) -> Result<Response<pb::ListAttendancesResponse>, Status> {
        self.list_attendances_impl(request).await
    }
    async fn list_speaker_duties(
        &self,
        request: Request<pb::ListSpeakerDutiesRequest>,
    ) -> Result<Response<pb::ListSpeakerDutiesResponse>, Status> {
        self.list_speaker_duties_impl(request).await
    }
    async fn get_learning_ledger(
        &self,
        request: Request<pb::GetLearningLedgerRequest>,
    ) -> Result<Response<pb::GetLearningLedgerResponse>, Status> {
        self.get_learning_ledger_impl(request).await
    }
    async fn list_learning_shortfalls(
        &self,
        request: Request<pb::ListLearningShortfallsRequest>,
    ) -> Result<Response<pb::ListLearningShortfallsResponse>, Status> {
        self.list_learning_shortfalls_impl(request).await
    }
    async fn get_forum_statistics(
        &self,
        request: Request<pb::GetForumStatisticsRequest>,
    ) -> Result<Response<pb::GetForumStatisticsResponse>, Status> {
        self.get_forum_statistics_impl(request).await
    }
}
