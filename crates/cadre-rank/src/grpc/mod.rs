//! The tonic implementation of `cadre.rank.v1.RankService`: checks requests and callers, calls the rules in
//! `domain` and the store inside one transaction (through `workflow`), maps back. No SQL and no rules live
//! here. The methods are grouped by the job they do, one file each; this file only dispatches.

mod cases;
mod conduct;
mod eligibility;
mod history;
mod ladder;
mod pools;

use std::sync::Arc;

use cadre_platform::{ApiError, Db, calendar::WorkingCalendar};
use cadre_proto::rank::{self as pb, rank_service_server::RankService};
use chrono::NaiveDate;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "rank.cadre";

/// What "today" is: the district's date, or a fixed one in tests.
pub type Today = Arc<dyn Fn() -> NaiveDate + Send + Sync>;

/// The rank service over its database.
#[derive(Clone)]
pub struct RankApi {
    db: Db,
    today: Today,
    calendar: WorkingCalendar,
    directory_sync: Arc<Notify>,
}

impl std::fmt::Debug for RankApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl RankApi {
    /// A service over `db` (migrated) that takes the date from `today`, counts working days with
    /// `calendar`, and wakes the directory sync through `directory_sync` after a grade changed.
    pub fn new(db: Db, today: Today, calendar: WorkingCalendar, directory_sync: Arc<Notify>) -> Self {
        Self { db, today, calendar, directory_sync }
    }

    fn today(&self) -> NaiveDate {
        (self.today)()
    }
}

fn status(error: ApiError) -> Status {
    error.into_status(ERROR_DOMAIN)
}

#[tonic::async_trait]
impl RankService for RankApi {
    async fn get_ladder(
        &self,
        request: Request<pb::GetLadderRequest>,
    ) -> Result<Response<pb::GetLadderResponse>, Status> {
        self.get_ladder_impl(request).await
    }
    async fn get_rank_history(
        &self,
        request: Request<pb::GetRankHistoryRequest>,
    ) -> Result<Response<pb::GetRankHistoryResponse>, Status> {
        self.get_rank_history_impl(request).await
    }
    async fn record_rank_holding(
        &self,
        request: Request<pb::RecordRankHoldingRequest>,
    ) -> Result<Response<pb::RecordRankHoldingResponse>, Status> {
        self.record_rank_holding_impl(request).await
    }
    async fn check_eligibility(
        &self,
        request: Request<pb::CheckEligibilityRequest>,
    ) -> Result<Response<pb::CheckEligibilityResponse>, Status> {
        self.check_eligibility_impl(request).await
    }
    async fn list_eligible_cadres(
        &self,
        request: Request<pb::ListEligibleCadresRequest>,
    ) -> Result<Response<pb::ListEligibleCadresResponse>, Status> {
        self.list_eligible_cadres_impl(request).await
    }
    async fn list_quota_pools(
        &self,
        request: Request<pb::ListQuotaPoolsRequest>,
    ) -> Result<Response<pb::ListQuotaPoolsResponse>, Status> {
        self.list_quota_pools_impl(request).await
    }
    async fn get_quota_pool(
        &self,
        request: Request<pb::GetQuotaPoolRequest>,
    ) -> Result<Response<pb::GetQuotaPoolResponse>, Status> {
        self.get_quota_pool_impl(request).await
    }
    async fn set_quota_pool(
        &self,
        request: Request<pb::SetQuotaPoolRequest>,
    ) -> Result<Response<pb::SetQuotaPoolResponse>, Status> {
        self.set_quota_pool_impl(request).await
    }
    async fn open_promotion_case(
        &self,
        request: Request<pb::OpenPromotionCaseRequest>,
    ) -> Result<Response<pb::OpenPromotionCaseResponse>, Status> {
        self.open_promotion_case_impl(request).await
    }
    async fn open_demotion_case(
        &self,
        request: Request<pb::OpenDemotionCaseRequest>,
    ) -> Result<Response<pb::OpenDemotionCaseResponse>, Status> {
        self.open_demotion_case_impl(request).await
    }
    async fn record_recommendation(
        &self,
        request: Request<pb::RecordRecommendationRequest>,
    ) -> Result<Response<pb::RecordRecommendationResponse>, Status> {
        self.record_recommendation_impl(request).await
    }
    async fn record_attestation(
        &self,
        request: Request<pb::RecordAttestationRequest>,
    ) -> Result<Response<pb::RecordAttestationResponse>, Status> {
        self.record_attestation_impl(request).await
    }
    async fn record_discipline_opinion(
        &self,
        request: Request<pb::RecordDisciplineOpinionRequest>,
    ) -> Result<Response<pb::RecordDisciplineOpinionResponse>, Status> {
        self.record_discipline_opinion_impl(request).await
    }
    async fn start_case_publicity(
        &self,
        request: Request<pb::StartCasePublicityRequest>,
    ) -> Result<Response<pb::StartCasePublicityResponse>, Status> {
        self.start_case_publicity_impl(request).await
    }
    async fn raise_case_objection(
        &self,
        request: Request<pb::RaiseCaseObjectionRequest>,
    ) -> Result<Response<pb::RaiseCaseObjectionResponse>, Status> {
        self.raise_case_objection_impl(request).await
    }
    async fn resolve_case_objection(
        &self,
        request: Request<pb::ResolveCaseObjectionRequest>,
    ) -> Result<Response<pb::ResolveCaseObjectionResponse>, Status> {
        self.resolve_case_objection_impl(request).await
    }
    async fn approve_case(
        &self,
        request: Request<pb::ApproveCaseRequest>,
    ) -> Result<Response<pb::ApproveCaseResponse>, Status> {
        self.approve_case_impl(request).await
    }
    async fn reject_case(
        &self,
        request: Request<pb::RejectCaseRequest>,
    ) -> Result<Response<pb::RejectCaseResponse>, Status> {
        self.reject_case_impl(request).await
    }
    async fn withdraw_case(
        &self,
        request: Request<pb::WithdrawCaseRequest>,
    ) -> Result<Response<pb::WithdrawCaseResponse>, Status> {
        self.withdraw_case_impl(request).await
    }
    async fn get_case(
        &self,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::GetCaseResponse>, Status> {
        self.get_case_impl(request).await
    }
    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, Status> {
        self.list_cases_impl(request).await
    }
    async fn record_conduct_measure(
        &self,
        request: Request<pb::RecordConductMeasureRequest>,
    ) -> Result<Response<pb::RecordConductMeasureResponse>, Status> {
        self.record_conduct_measure_impl(request).await
    }
}
