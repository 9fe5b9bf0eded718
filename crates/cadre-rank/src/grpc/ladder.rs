//! The ladder in force on a date: grades with their 级别 ranges and tenure, post equivalences, ceilings.

use cadre_platform::Violations;
use cadre_proto::rank as pb;
use tonic::{Request, Response, Status};

use super::{RankApi, status};
use crate::{
    convert::{self, grade_to, post_level_to},
    domain::{
        Grade, RankPolicy,
        ladder::{UnitClass, UnitContext},
    },
    store,
};

/// The ladder of `policy`, highest grade first.
fn ladder(policy: &RankPolicy) -> pb::GetLadderResponse {
    let grades = Grade::ALL
        .iter()
        .map(|grade| {
            let range = policy.ladder.grade_range(*grade);
            let rule = policy.tenure.rules.get(grade);
            pb::LadderGrade {
                grade: grade_to(*grade),
                name: grade.name_zh().to_owned(),
                level_high: range.map_or(0, |r| i32::from(r.highest.number())),
                level_low: range.map_or(0, |r| i32::from(r.lowest.number())),
                required_months: rule.map_or(0, |r| i32::try_from(r.months).unwrap_or(i32::MAX)),
                equivalent_posts: rule
                    .map(|r| r.posts.iter().map(|p| post_level_to(*p)).filter(|p| *p != 0).collect())
                    .unwrap_or_default(),
                authority: convert::authority_to(policy.case.authority_for(*grade)),
                filed_with_city: policy.case.filing_required(*grade),
            }
        })
        .collect();
    // Only the post levels the directory knows: the contract's `PostLevel` has no 厅局级.
    let equivalences = policy
        .ladder
        .post_lowest_grade
        .iter()
        .filter(|(post, _)| post_level_to(**post) != 0)
        .map(|(post, lowest)| pb::PostEquivalence {
            post_level: post_level_to(*post),
            lowest_grade: grade_to(*lowest),
            band: policy.ladder.band(*post).iter().map(|g| grade_to(*g)).collect(),
        })
        .collect();
    let ceilings = UnitClass::ALL
        .iter()
        .filter_map(|class| {
            let ceiling =
                policy.ladder.ceiling(UnitContext { district: policy.district_type, class: *class })?;
            Some(pb::UnitCeiling {
                unit_class: class.code().to_owned(),
                highest_grade: grade_to(ceiling.highest),
            })
        })
        .collect();
    pb::GetLadderResponse {
        district_type: convert::district_type_to(policy.district_type),
        grades,
        equivalences,
        ceilings,
    }
}

impl RankApi {
    pub(super) async fn get_ladder_impl(
        &self,
        request: Request<pb::GetLadderRequest>,
    ) -> Result<Response<pb::GetLadderResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::default();
        let as_of = convert::optional_date(&mut violations, "as_of", request.as_of.as_ref());
        violations.finish("INVALID_DATE", "as_of is not a valid date").map_err(status)?;
        let as_of = as_of.unwrap_or_else(|| self.today());
        let policy = self.db.run(move |conn| store::policy::on(conn, as_of)).await.map_err(status)?;
        Ok(Response::new(ladder(&policy)))
    }
}
