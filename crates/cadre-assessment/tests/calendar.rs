//! The working calendar the assessment service counts publicity and deadlines with is the leave
//! service's, asked as the suite's own `system:assessment`.

mod harness;

use cadre_platform::{auth::Principal, testing::TestDatabase};
use cadre_proto::leave::{AddWorkingDaysRequest, leave_service_client::LeaveServiceClient};
use harness::{Harness, date};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_answers_the_suite() {
    let h = Harness::start(TestDatabase::sqlite(), "2026-01-12").await;
    let suite = h.keys.acting_as(&Principal::system("assessment"));
    let mut leave = LeaveServiceClient::with_interceptor(h.leave.clone(), suite);
    // Five working days after Friday 30 January 2026 (a weekend in between).
    let answer = leave
        .add_working_days(AddWorkingDaysRequest { date: Some(date("2026-01-30")), working_days: 5 })
        .await
        .expect("the leave service answers system:assessment: its AddWorkingDays rule must admit the suite");
    assert_eq!(answer.into_inner().date, Some(date("2026-02-06")));
    h.stop().await;
}
