//! Eligibility: one cadre's explained answer, and the lists of cadres due for promotion (到期可晋升人员).

use std::collections::HashMap;

use cadre_platform::{ApiError, Violations, auth::Caller, paging};
use cadre_proto::rank as pb;
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use super::{RankApi, status};
use crate::{
    convert,
    store::{self, eligibility::Key, scope},
    view,
    workflow::eligibility::{self, Quota, not_found},
};

fn invalid_token() -> ApiError {
    ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
        .with_violation("page_token", "not a token from this query's previous page")
}

fn key_of(parts: &[String]) -> Result<Key, ApiError> {
    match parts {
        [date, name, id] => {
            let date: NaiveDate = date.parse().map_err(|_| invalid_token())?;
            Ok((date, name.clone(), id.clone()))
        }
        _ => Err(invalid_token()),
    }
}

impl RankApi {
    pub(super) async fn check_eligibility_impl(
        &self,
        request: Request<pb::CheckEligibilityRequest>,
    ) -> Result<Response<pb::CheckEligibilityResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = convert::id_in(&mut v, "cadre_id", &request.cadre_id);
        let as_of = convert::optional_date(&mut v, "as_of", request.as_of.as_ref());
        let target = convert::optional_grade(&mut v, "target_grade", request.target_grade);
        v.finish("INVALID_ELIGIBILITY_QUERY", "the question is not valid").map_err(status)?;
        let as_of = as_of.unwrap_or_else(|| self.today());
        let answer = self
            .db
            .run(move |conn| {
                if !scope::admits(conn, &caller.scope, &cadre_id)? {
                    return Err(not_found(&cadre_id));
                }
                let (facts, answer) = eligibility::evaluate_cadre(
                    conn,
                    &cadre_id,
                    target,
                    as_of,
                    Quota::Check { except: None },
                )?;
                Ok(view::eligibility(&facts.cadre, facts.holding.as_ref(), &answer))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CheckEligibilityResponse { eligibility: Some(answer) }))
    }

    pub(super) async fn list_eligible_cadres_impl(
        &self,
        request: Request<pb::ListEligibleCadresRequest>,
    ) -> Result<Response<pb::ListEligibleCadresResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let size = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut v = Violations::default();
        let as_of = convert::optional_date(&mut v, "as_of", request.as_of.as_ref());
        let target = convert::optional_grade(&mut v, "target_grade", request.target_grade);
        let eligible_by = convert::optional_date(&mut v, "eligible_by", request.eligible_by.as_ref());
        v.require(
            request.eligible_by.is_none() || request.include_blocked,
            "eligible_by",
            "is a bound on the blocked cadres listed: set include_blocked",
        );
        let unit = request.org_unit_id.trim().to_owned();
        v.require(unit.len() <= 64, "org_unit_id", "is not an id");
        v.finish("INVALID_LIST_QUERY", "the list query is not valid").map_err(status)?;
        let as_of = as_of.unwrap_or_else(|| self.today());
        let include_blocked = request.include_blocked;
        let filters = paging::filter_fingerprint(&[
            &unit,
            &as_of.to_string(),
            &request.target_grade.to_string(),
            if include_blocked { "blocked" } else { "" },
            &eligible_by.map(|d| d.to_string()).unwrap_or_default(),
        ]);
        let after = match paging::decode_token(&request.page_token, &filters).map_err(status)? {
            Some(parts) => Some(key_of(&parts).map_err(status)?),
            None => None,
        };
        let bound = if include_blocked { eligible_by } else { Some(as_of) };
        let (page, next) = self
            .db
            .run(move |conn| {
                let mut page: Vec<(Key, pb::Eligibility)> = Vec::new();
                let mut cursor = after;
                let batch = size + 1;
                // Rows the index offers but the full answer drops (a pool found full) cost a batch each; a
                // call looks at no more than this many, and otherwise ends a short page with a token where it
                // stopped, so that no request scans a whole district (AIP-158 allows short pages).
                let budget = (size * 20).max(1000);
                let mut scanned = 0_i64;
                let mut exhausted: bool;
                loop {
                    let filter = store::eligibility::Filter {
                        reach: scope::Reach {
                            scope: caller.scope.clone(),
                            subtree: if unit.is_empty() { None } else { Some(scope::subtree(conn, &unit)?) },
                        },
                        target: target.map(|g| g.code().to_owned()),
                        eligible_by: bound,
                    };
                    let rows = store::eligibility::list(conn, filter, cursor.as_ref(), batch)?;
                    scanned += rows.len() as i64;
                    exhausted = (rows.len() as i64) < batch;
                    let ids: Vec<String> = rows.iter().map(|r| r.cadre_id.clone()).collect();
                    let mut answers: HashMap<String, (eligibility::Facts, crate::domain::Eligibility)> =
                        eligibility::evaluate_many(conn, &ids, as_of)?
                            .into_iter()
                            .map(|(facts, answer)| (facts.cadre.id.clone(), (facts, answer)))
                            .collect();
                    for row in &rows {
                        cursor = Some(store::eligibility::key(row));
                        let Some((facts, answer)) = answers.remove(&row.cadre_id) else { continue };
                        if include_blocked || answer.eligible_on_as_of {
                            let key = store::eligibility::key(row);
                            page.push((
                                key,
                                view::eligibility(&facts.cadre, facts.holding.as_ref(), &answer),
                            ));
                            if page.len() as i64 > size {
                                // The rows after this one were not looked at: more may follow.
                                exhausted = false;
                                break;
                            }
                        }
                    }
                    if page.len() as i64 > size || exhausted || scanned >= budget {
                        break;
                    }
                }
                let (page, next) = if page.len() as i64 > size || exhausted {
                    paging::finish_page(page, size, &filters, |(key, _)| {
                        vec![key.0.to_string(), key.1.clone(), key.2.clone()]
                    })
                } else {
                    // The budget ran out: a short page, and a token where the scan stopped.
                    let token = cursor.map_or_else(String::new, |key| {
                        paging::encode_token(vec![key.0.to_string(), key.1, key.2], &filters)
                    });
                    (page, token)
                };
                Ok((page.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListEligibleCadresResponse { eligibilities: page, next_page_token: next }))
    }
}
