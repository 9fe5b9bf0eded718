//! The tonic implementation of `cadre.leave.v1.LeaveService`: checks requests and callers, calls the rules in
//! `domain` and the store inside one transaction, maps back. No SQL and no rules live here. The methods are
//! grouped by the job they do, one file each; this file only dispatches.

mod calendar;
mod ledger;
mod policy;
mod reports;
mod requests;
mod travel;

use cadre_platform::{ApiError, Db};
use cadre_proto::leave::{self as pb, leave_service_server::LeaveService};
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "leave.cadre";

pub use cadre_platform::clock::Today;

/// The leave service over its database.
#[derive(Clone)]
pub struct LeaveApi {
    db: Db,
    today: Today,
}

impl std::fmt::Debug for LeaveApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaveApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl LeaveApi {
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

#[tonic::async_trait]
impl LeaveService for LeaveApi {
    async fn get_work_calendar(
        &self,
        request: Request<pb::GetWorkCalendarRequest>,
    ) -> Result<Response<pb::GetWorkCalendarResponse>, Status> {
        self.get_work_calendar_impl(request).await
    }
    async fn set_work_calendar(
        &self,
        request: Request<pb::SetWorkCalendarRequest>,
    ) -> Result<Response<pb::SetWorkCalendarResponse>, Status> {
        self.set_work_calendar_impl(request).await
    }
    async fn count_working_days(
        &self,
        request: Request<pb::CountWorkingDaysRequest>,
    ) -> Result<Response<pb::CountWorkingDaysResponse>, Status> {
        self.count_working_days_impl(request).await
    }
    async fn add_working_days(
        &self,
        request: Request<pb::AddWorkingDaysRequest>,
    ) -> Result<Response<pb::AddWorkingDaysResponse>, Status> {
        self.add_working_days_impl(request).await
    }
    async fn list_leave_types(
        &self,
        request: Request<pb::ListLeaveTypesRequest>,
    ) -> Result<Response<pb::ListLeaveTypesResponse>, Status> {
        self.list_leave_types_impl(request).await
    }
    async fn update_leave_type(
        &self,
        request: Request<pb::UpdateLeaveTypeRequest>,
    ) -> Result<Response<pb::UpdateLeaveTypeResponse>, Status> {
        self.update_leave_type_impl(request).await
    }
    async fn get_unit_leave_settings(
        &self,
        request: Request<pb::GetUnitLeaveSettingsRequest>,
    ) -> Result<Response<pb::GetUnitLeaveSettingsResponse>, Status> {
        self.get_unit_leave_settings_impl(request).await
    }
    async fn set_unit_leave_settings(
        &self,
        request: Request<pb::SetUnitLeaveSettingsRequest>,
    ) -> Result<Response<pb::SetUnitLeaveSettingsResponse>, Status> {
        self.set_unit_leave_settings_impl(request).await
    }
    async fn set_reporting_line(
        &self,
        request: Request<pb::SetReportingLineRequest>,
    ) -> Result<Response<pb::SetReportingLineResponse>, Status> {
        self.set_reporting_line_impl(request).await
    }
    async fn create_blackout_period(
        &self,
        request: Request<pb::CreateBlackoutPeriodRequest>,
    ) -> Result<Response<pb::CreateBlackoutPeriodResponse>, Status> {
        self.create_blackout_period_impl(request).await
    }
    async fn list_blackout_periods(
        &self,
        request: Request<pb::ListBlackoutPeriodsRequest>,
    ) -> Result<Response<pb::ListBlackoutPeriodsResponse>, Status> {
        self.list_blackout_periods_impl(request).await
    }
    async fn get_leave_balances(
        &self,
        request: Request<pb::GetLeaveBalancesRequest>,
    ) -> Result<Response<pb::GetLeaveBalancesResponse>, Status> {
        self.get_leave_balances_impl(request).await
    }
    async fn list_ledger_entries(
        &self,
        request: Request<pb::ListLedgerEntriesRequest>,
    ) -> Result<Response<pb::ListLedgerEntriesResponse>, Status> {
        self.list_ledger_entries_impl(request).await
    }
    async fn adjust_leave_balance(
        &self,
        request: Request<pb::AdjustLeaveBalanceRequest>,
    ) -> Result<Response<pb::AdjustLeaveBalanceResponse>, Status> {
        self.adjust_leave_balance_impl(request).await
    }
    async fn grant_family_visit_leave(
        &self,
        request: Request<pb::GrantFamilyVisitLeaveRequest>,
    ) -> Result<Response<pb::GrantFamilyVisitLeaveResponse>, Status> {
        self.grant_family_visit_leave_impl(request).await
    }
    async fn set_protected_status(
        &self,
        request: Request<pb::SetProtectedStatusRequest>,
    ) -> Result<Response<pb::SetProtectedStatusResponse>, Status> {
        self.set_protected_status_impl(request).await
    }
    async fn create_leave_request(
        &self,
        request: Request<pb::CreateLeaveRequestRequest>,
    ) -> Result<Response<pb::CreateLeaveRequestResponse>, Status> {
        self.create_leave_request_impl(request).await
    }
    async fn submit_leave_request(
        &self,
        request: Request<pb::SubmitLeaveRequestRequest>,
    ) -> Result<Response<pb::SubmitLeaveRequestResponse>, Status> {
        self.submit_leave_request_impl(request).await
    }
    async fn withdraw_leave_request(
        &self,
        request: Request<pb::WithdrawLeaveRequestRequest>,
    ) -> Result<Response<pb::WithdrawLeaveRequestResponse>, Status> {
        self.withdraw_leave_request_impl(request).await
    }
    async fn cancel_leave_request(
        &self,
        request: Request<pb::CancelLeaveRequestRequest>,
    ) -> Result<Response<pb::CancelLeaveRequestResponse>, Status> {
        self.cancel_leave_request_impl(request).await
    }
    async fn approve_leave_request(
        &self,
        request: Request<pb::ApproveLeaveRequestRequest>,
    ) -> Result<Response<pb::ApproveLeaveRequestResponse>, Status> {
        self.approve_leave_request_impl(request).await
    }
    async fn reject_leave_request(
        &self,
        request: Request<pb::RejectLeaveRequestRequest>,
    ) -> Result<Response<pb::RejectLeaveRequestResponse>, Status> {
        self.reject_leave_request_impl(request).await
    }
    async fn file_leave_request(
        &self,
        request: Request<pb::FileLeaveRequestRequest>,
    ) -> Result<Response<pb::FileLeaveRequestResponse>, Status> {
        self.file_leave_request_impl(request).await
    }
    async fn record_leave_return(
        &self,
        request: Request<pb::RecordLeaveReturnRequest>,
    ) -> Result<Response<pb::RecordLeaveReturnResponse>, Status> {
        self.record_leave_return_impl(request).await
    }
    async fn extend_leave_request(
        &self,
        request: Request<pb::ExtendLeaveRequestRequest>,
    ) -> Result<Response<pb::ExtendLeaveRequestResponse>, Status> {
        self.extend_leave_request_impl(request).await
    }
    async fn get_leave_request(
        &self,
        request: Request<pb::GetLeaveRequestRequest>,
    ) -> Result<Response<pb::GetLeaveRequestResponse>, Status> {
        self.get_leave_request_impl(request).await
    }
    async fn list_leave_requests(
        &self,
        request: Request<pb::ListLeaveRequestsRequest>,
    ) -> Result<Response<pb::ListLeaveRequestsResponse>, Status> {
        self.list_leave_requests_impl(request).await
    }
    async fn list_my_approvals(
        &self,
        request: Request<pb::ListMyApprovalsRequest>,
    ) -> Result<Response<pb::ListMyApprovalsResponse>, Status> {
        self.list_my_approvals_impl(request).await
    }
    async fn get_leave_form(
        &self,
        request: Request<pb::GetLeaveFormRequest>,
    ) -> Result<Response<pb::GetLeaveFormResponse>, Status> {
        self.get_leave_form_impl(request).await
    }
    async fn create_travel_filing(
        &self,
        request: Request<pb::CreateTravelFilingRequest>,
    ) -> Result<Response<pb::CreateTravelFilingResponse>, Status> {
        self.create_travel_filing_impl(request).await
    }
    async fn update_travel_filing(
        &self,
        request: Request<pb::UpdateTravelFilingRequest>,
    ) -> Result<Response<pb::UpdateTravelFilingResponse>, Status> {
        self.update_travel_filing_impl(request).await
    }
    async fn list_travel_filings(
        &self,
        request: Request<pb::ListTravelFilingsRequest>,
    ) -> Result<Response<pb::ListTravelFilingsResponse>, Status> {
        self.list_travel_filings_impl(request).await
    }
    async fn list_absent_cadres(
        &self,
        request: Request<pb::ListAbsentCadresRequest>,
    ) -> Result<Response<pb::ListAbsentCadresResponse>, Status> {
        self.list_absent_cadres_impl(request).await
    }
    async fn list_overdue_cases(
        &self,
        request: Request<pb::ListOverdueCasesRequest>,
    ) -> Result<Response<pb::ListOverdueCasesResponse>, Status> {
        self.list_overdue_cases_impl(request).await
    }
    async fn list_unused_annual_leave(
        &self,
        request: Request<pb::ListUnusedAnnualLeaveRequest>,
    ) -> Result<Response<pb::ListUnusedAnnualLeaveResponse>, Status> {
        self.list_unused_annual_leave_impl(request).await
    }
    async fn export_leave_ledger(
        &self,
        request: Request<pb::ExportLeaveLedgerRequest>,
    ) -> Result<Response<pb::ExportLeaveLedgerResponse>, Status> {
        self.export_leave_ledger_impl(request).await
    }
}
