//! The HR system's ids of the directory's cadres, by which sign-in sheets may name people. The directory's
//! events carry whole cadre records, external id included; the projection does not keep it, so this
//! service keeps it beside the projection, from the same events in the same transaction.

use cadre_platform::{ApiError, DbConn};
use diesel::prelude::*;

use super::{CHUNK, schema::cadre_external_ids};

/// Records that `external_id` names `cadre_id`, replacing what the cadre or the id named before.
pub fn record(conn: &mut DbConn, cadre_id: &str, external_id: &str) -> Result<(), ApiError> {
    diesel::delete(cadre_external_ids::table.filter(cadre_external_ids::cadre_id.eq(cadre_id)))
        .execute(conn)?;
    if external_id.is_empty() {
        return Ok(());
    }
    diesel::delete(cadre_external_ids::table.find(external_id)).execute(conn)?;
    diesel::insert_into(cadre_external_ids::table)
        .values((cadre_external_ids::external_id.eq(external_id), cadre_external_ids::cadre_id.eq(cadre_id)))
        .execute(conn)?;
    Ok(())
}

/// The cadres of `external_ids` that are known, as `(external_id, cadre_id)`.
pub fn resolve(conn: &mut DbConn, external_ids: &[String]) -> Result<Vec<(String, String)>, ApiError> {
    let mut found = Vec::new();
    for chunk in external_ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = cadre_external_ids::table
            .filter(cadre_external_ids::external_id.eq_any(chunk))
            .select((cadre_external_ids::external_id, cadre_external_ids::cadre_id))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}
