//! The HR-system import: rows keyed by the HR system's id, each applied whole or not at all (a savepoint
//! per row), committed in chunks so a 100 000-row import neither holds one huge transaction nor pays a
//! commit per row. Re-importing the same rows changes nothing.

use std::collections::HashMap;

use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Tx,
    audit::{self, AuditEntry},
    clock,
};
use cadre_proto::directory as pb;
use diesel::Connection as _;
use futures::{Stream, StreamExt as _};

use crate::{convert, domain::facts::FactPolicy, events, store};

/// Rows per transaction.
const CHUNK: usize = 500;
const METHOD: &str = method!("ImportCadres");

/// What happened to one row.
enum RowOutcome {
    Created,
    Updated,
    Unchanged,
}

/// Imports every row of `rows`, returning the counts and one error per refused row.
pub async fn import<S>(db: &Db, ctx: CallContext, rows: S) -> Result<pb::ImportCadresResponse, ApiError>
where
    S: Stream<Item = Result<pb::HrCadreRecord, ApiError>> + Unpin,
{
    let mut report = pb::ImportCadresResponse::default();
    let mut chunk: Vec<(i32, pb::HrCadreRecord)> = Vec::with_capacity(CHUNK);
    let mut rows = rows;
    let mut position = 0_i32;
    loop {
        let next = rows.next().await;
        let end = next.is_none();
        if let Some(row) = next {
            position += 1;
            chunk.push((position, row?));
        }
        if chunk.len() == CHUNK || (end && !chunk.is_empty()) {
            let batch = std::mem::take(&mut chunk);
            let ctx = ctx.clone();
            let part = db.write(move |conn| apply_chunk(conn, &ctx, batch)).await?;
            merge(&mut report, part);
            db.notify_committed();
        }
        if end {
            break;
        }
    }
    report.received = position;
    Ok(report)
}

fn merge(total: &mut pb::ImportCadresResponse, part: pb::ImportCadresResponse) {
    total.created += part.created;
    total.updated += part.updated;
    total.unchanged += part.unchanged;
    total.rejected += part.rejected;
    total.errors.extend(part.errors);
}

fn apply_chunk(
    conn: &mut DbConn,
    ctx: &CallContext,
    rows: Vec<(i32, pb::HrCadreRecord)>,
) -> Result<pb::ImportCadresResponse, ApiError> {
    audit::lock_chain(conn)?;
    let today = clock::today();
    let policy = crate::grpc::fact_policy(conn, today)?;
    let units: HashMap<String, (String, bool)> = store::units::list_all(conn)?
        .into_iter()
        .map(|u| {
            let closed = u.is_closed();
            (u.code, (u.id, closed))
        })
        .collect();
    let mut report = pb::ImportCadresResponse::default();
    for (position, record) in rows {
        let external_id = record.external_id.clone();
        // A savepoint per row: a row that fails leaves nothing behind, and the chunk goes on.
        let outcome = conn.transaction(|conn| apply_row(conn, ctx, &units, &policy, today, &record));
        match outcome {
            Ok(RowOutcome::Created) => report.created += 1,
            Ok(RowOutcome::Updated) => report.updated += 1,
            Ok(RowOutcome::Unchanged) => report.unchanged += 1,
            Err(error)
                if error.code() == tonic::Code::Unavailable || error.code() == tonic::Code::Internal =>
            {
                return Err(error);
            }
            Err(error) => {
                report.rejected += 1;
                report.errors.push(pb::ImportRowError {
                    row: position,
                    external_id,
                    reason: error.reason().to_owned(),
                    field_errors: if error.violations().is_empty() {
                        vec![pb::ImportFieldError {
                            field: String::new(),
                            description: error.message().to_owned(),
                        }]
                    } else {
                        error
                            .violations()
                            .iter()
                            .map(|v| pb::ImportFieldError {
                                // Rows name their own fields, not the record the store speaks of.
                                field: v.field.trim_start_matches("cadre.").to_owned(),
                                description: v.description.clone(),
                            })
                            .collect()
                    },
                });
            }
        }
    }
    Ok(report)
}

/// The id of the open unit with `code`, or a problem recorded against `field`.
fn resolve_unit(
    units: &HashMap<String, (String, bool)>,
    code: &str,
    field: &str,
    problems: &mut Vec<(String, String)>,
) -> String {
    match units.get(code.trim()) {
        Some((id, false)) => id.clone(),
        Some((_, true)) => {
            problems.push((field.to_owned(), format!("unit {code:?} is closed")));
            String::new()
        }
        None => {
            problems.push((field.to_owned(), format!("no unit with code {code:?}")));
            String::new()
        }
    }
}

fn apply_row(
    conn: &mut DbConn,
    ctx: &CallContext,
    units: &HashMap<String, (String, bool)>,
    policy: &FactPolicy,
    today: chrono::NaiveDate,
    record: &pb::HrCadreRecord,
) -> Result<RowOutcome, ApiError> {
    let mut problems: Vec<(String, String)> = Vec::new();
    if record.external_id.trim().is_empty() {
        problems.push(("external_id".into(), "is required: it is the import key".into()));
    }
    let employing = resolve_unit(units, &record.employing_unit_code, "employing_unit_code", &mut problems);
    let managing = if record.managing_unit_code.trim().is_empty() {
        employing.clone()
    } else {
        resolve_unit(units, &record.managing_unit_code, "managing_unit_code", &mut problems)
    };
    let cadre = pb::Cadre {
        external_id: record.external_id.clone(),
        name: record.name.clone(),
        gender: record.gender,
        citizen_id: record.citizen_id.clone(),
        birth_date: record.birth_date,
        work_start_date: record.work_start_date,
        party_entry_date: record.party_entry_date,
        education: record.education,
        category: record.category,
        employing_unit_id: employing,
        managing_unit_id: managing,
        post: record.post.clone(),
        rank: record.rank,
        status: record.status,
        ..Default::default()
    };
    let checked =
        convert::cadre_data_from(&cadre, "").and_then(|data| data.check(policy, today).map(|_| data));
    let data = match checked {
        Ok(data) if problems.is_empty() => data,
        result => {
            // A unit code that did not resolve already explains why the unit ids are missing.
            let unit_unresolved = problems.iter().any(|(f, _)| f.ends_with("unit_code"));
            problems.extend(
                result
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(f, _)| !(unit_unresolved && f.ends_with("unit_id"))),
            );
            let error = ApiError::invalid_argument("INVALID_ROW", "the row is not valid");
            return Err(problems
                .into_iter()
                .fold(error, |e, (field, description)| e.with_violation(field, description)));
        }
    };

    let mut tx = Tx::new(conn, ctx);
    let (outcome, cadre_id) = match store::cadres::by_external_id(tx.conn(), &record.external_id)? {
        None => {
            let cadre = store::cadres::insert(tx.conn(), data, &ctx.actor, "IMPORTED")?;
            events::cadre_created(&mut tx, &cadre)?;
            (RowOutcome::Created, cadre.id)
        }
        Some(current) => {
            // The HR system does not keep work history; an import leaves the recorded history as it is.
            let data =
                crate::domain::cadre::CadreData { work_history: current.data.work_history.clone(), ..data };
            let (updated, changed) =
                store::cadres::update(tx.conn(), &current, data, &ctx.actor, "IMPORTED")?;
            if changed.is_empty() {
                return Ok(RowOutcome::Unchanged);
            }
            events::cadre_changed(&mut tx, &current, &updated, &changed)?;
            (RowOutcome::Updated, updated.id)
        }
    };
    let entry = AuditEntry {
        method: METHOD.to_owned(),
        object_type: "cadre".to_owned(),
        object_id: cadre_id,
        outcome: "OK".to_owned(),
        request_id: format!("hr:{}", record.external_id),
    };
    audit::append(conn, ctx, &entry)?;
    Ok(outcome)
}
