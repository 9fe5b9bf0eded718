//! Publishing a result: its consequences, computed with the person's earlier outcomes for the
//! consecutive-year rules, kept on the assessment and sent as an `AnnualResultPublishedEvent` in the same
//! transaction. A result changed later (review, 补定) is published again with the next revision; a 补定
//! also publishes the following years again when their consecutive-year consequences change.

use std::collections::BTreeMap;

use cadre_platform::{ApiError, DbConn, Tx, clock};
use cadre_projection::store as projection;
use chrono::NaiveDate;

use crate::{
    domain::{
        AssessmentPolicy, Outcome,
        consequence::{Consequence, ConsequenceKind, consequences},
    },
    events,
    store::{self, assessments::AssessmentRow},
    view::{self, StoredConsequence, json},
};

/// The person's outcomes of other years, as published.
pub fn history(
    conn: &mut DbConn,
    cadre_id: &str,
    except_year: i32,
) -> Result<BTreeMap<i32, Outcome>, ApiError> {
    Ok(store::assessments::of_cadre(conn, cadre_id)?
        .into_iter()
        .filter(|r| r.year != except_year && r.revision > 0)
        .filter_map(|r| Some((r.year, Outcome::from_code(&r.outcome)?)))
        .collect())
}

/// A short English account of a consequence.
fn text_of(consequence: &Consequence) -> String {
    let run = consequence.run.unwrap_or_default();
    match consequence.kind {
        ConsequenceKind::CommendationProposed => "优秀: 嘉奖 and 本机关通报表扬 proposed".to_owned(),
        ConsequenceKind::MeritThirdClassProposed => {
            format!("{run} consecutive years 优秀: 记三等功 proposed")
        }
        ConsequenceKind::TenureReduced6Months => format!(
            "the tenure required for the next 职级 is shortened by {} months",
            consequence.months.unwrap_or(6)
        ),
        ConsequenceKind::CountsForLevelAndStep => {
            "称职 or better: the year counts toward 任职年限, 级别 and 工资档次".to_owned()
        }
        ConsequenceKind::Admonishment => "基本称职: 诫勉, 书面检查 and 限期改进".to_owned(),
        ConsequenceKind::NoPromotionNextYear => {
            "no promotion of 职务 or 职级 in the following year".to_owned()
        }
        ConsequenceKind::YearNotCounted => {
            "the year does not count toward 任职年限, 级别 or 工资档次".to_owned()
        }
        ConsequenceKind::DemotionCase => "不称职: 降低一个职务或者职级层次".to_owned(),
        ConsequenceKind::DismissalCase => format!("{run} consecutive years 不称职: a 辞退 case"),
        ConsequenceKind::NoBonus => "no 年度考核奖金".to_owned(),
    }
}

/// The consequences of `outcome` in `year` after `history`, as stored and sent.
pub fn consequences_of(
    year: i32,
    outcome: Outcome,
    history: &BTreeMap<i32, Outcome>,
    policy: &AssessmentPolicy,
) -> Vec<StoredConsequence> {
    consequences(year, outcome, history, &policy.consequence)
        .iter()
        .map(|c| StoredConsequence {
            code: c.kind.code().to_owned(),
            applied_by: c.applied_by.code().to_lowercase(),
            text: text_of(c),
            source: c.source.clone(),
        })
        .collect()
}

/// Publishes the row's current outcome as its next revision, counting from `on`. The caller saves the row.
pub fn publish(
    tx: &mut Tx<'_>,
    row: &mut AssessmentRow,
    policy: &AssessmentPolicy,
    on: NaiveDate,
) -> Result<(), ApiError> {
    let outcome = Outcome::from_code(&row.outcome)
        .ok_or_else(|| ApiError::internal(format!("assessment {} has no outcome to publish", row.id)))?;
    let history = history(tx.conn(), &row.cadre_id, row.year)?;
    row.consequences = json(&consequences_of(row.year, outcome, &history, policy));
    row.revision += 1;
    row.published_on = Some(on);
    send(tx, row)
}

/// Sends the event of a row's published result.
fn send(tx: &mut Tx<'_>, row: &AssessmentRow) -> Result<(), ApiError> {
    let unit = projection::cadre(tx.conn(), &row.cadre_id)?
        .map(|c| c.employing_unit_id)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| row.org_unit_id.clone());
    events::result_published(tx, view::result(row), view::consequence_messages(row), &unit)
}

/// After a result of `year` was published late (补定) or changed, publishes the person's later results
/// again where their consequences now differ (a run of 优秀 or 不称职 can only be counted once the years
/// before are known).
pub fn republish_following(
    tx: &mut Tx<'_>,
    cadre_id: &str,
    year: i32,
    policy: &AssessmentPolicy,
) -> Result<(), ApiError> {
    let later: Vec<AssessmentRow> = store::assessments::of_cadre(tx.conn(), cadre_id)?
        .into_iter()
        .filter(|r| r.year > year && r.revision > 0)
        .collect();
    let mut later = later;
    later.sort_by_key(|r| r.year);
    for mut row in later {
        let Some(outcome) = Outcome::from_code(&row.outcome) else { continue };
        let history = history(tx.conn(), cadre_id, row.year)?;
        let fresh = json(&consequences_of(row.year, outcome, &history, policy));
        if fresh == row.consequences {
            continue;
        }
        row.consequences = fresh;
        row.revision += 1;
        store::assessments::update(tx.conn(), &mut row, clock::now())?;
        send(tx, &row)?;
    }
    Ok(())
}
