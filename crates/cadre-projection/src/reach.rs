//! What a list may show: the cadres and units a caller's data scope reaches, cut to the subtree asked for,
//! and how a keyset-paged query is narrowed to it without binding more ids than a backend allows.
//!
//! The same [`Reach`] answers whether one record is visible, so a service's Get and List cannot disagree.
//! The macros [`reach_filter!`](crate::reach_filter) and [`after_id!`](crate::after_id) narrow a boxed
//! diesel query; [`chunked`] runs it over a long reach in pieces and merges the pages.

use cadre_platform::{ApiError, DbConn, auth::DataScope};

use crate::store::{self as projection, cadre_ids_in_scope, unit_ids_in_scope};

/// Narrows a boxed query to a [`Reach`]: records of its cadres or of its units.
#[macro_export]
macro_rules! reach_filter {
    ($query:expr, $reach:expr, $cadre:expr, $unit:expr) => {{
        let reach: &$crate::reach::Reach = $reach;
        match (&reach.cadres, &reach.units) {
            (None, None) => $query,
            (Some(c), None) => $query.filter($cadre.eq_any(c.clone())),
            (None, Some(u)) => $query.filter($unit.eq_any(u.clone())),
            (Some(c), Some(u)) => $query.filter($cadre.eq_any(c.clone()).or($unit.eq_any(u.clone()))),
        }
    }};
}

/// Continues a boxed query after a keyset position on its id, ascending or descending.
#[macro_export]
macro_rules! after_id {
    ($query:expr, $after:expr, $id:expr, $descending:expr) => {{
        let after: Option<String> = $after;
        match after {
            None => $query,
            Some(last) if $descending => $query.filter($id.lt(last)),
            Some(last) => $query.filter($id.gt(last)),
        }
    }};
}

/// The most ids one `IN` list binds, as `cadre_projection` does.
pub const CHUNK: usize = 500;

/// Runs a keyset-paged `query` over `reach` with at most [`CHUNK`] ids in each `IN` list, and merges the
/// pieces into the one page the whole reach gives: sorted by `id` (descending when `descending`), each row
/// once, at most `limit`. A reach whose lists are short enough is queried once, as it is.
pub fn chunked<T>(
    reach: &Reach,
    limit: i64,
    descending: bool,
    id: impl Fn(&T) -> &str,
    mut query: impl FnMut(&Reach) -> Result<Vec<T>, ApiError>,
) -> Result<Vec<T>, ApiError> {
    let short = |list: &Option<Vec<String>>| list.as_ref().is_none_or(|l| l.len() <= CHUNK);
    if short(&reach.cadres) && short(&reach.units) {
        return query(reach);
    }
    let pieces = |list: &[String]| list.chunks(CHUNK).map(<[String]>::to_vec).collect::<Vec<_>>();
    let subs: Vec<Reach> = match (&reach.cadres, &reach.units) {
        (None, None) => vec![reach.clone()],
        (Some(c), None) => pieces(c).into_iter().map(|c| Reach { cadres: Some(c), units: None }).collect(),
        (None, Some(u)) => pieces(u).into_iter().map(|u| Reach { cadres: None, units: Some(u) }).collect(),
        // Records of these cadres or of these units: each piece of either list on its own, the other list
        // empty, and the union of the answers.
        (Some(c), Some(u)) => pieces(c)
            .into_iter()
            .map(|c| Reach { cadres: Some(c), units: Some(Vec::new()) })
            .chain(pieces(u).into_iter().map(|u| Reach { cadres: Some(Vec::new()), units: Some(u) }))
            .collect(),
    };
    let mut rows = Vec::new();
    for sub in &subs {
        rows.extend(query(sub)?);
    }
    rows.sort_by(|a, b| if descending { id(b).cmp(id(a)) } else { id(a).cmp(id(b)) });
    rows.dedup_by(|a, b| id(a) == id(b));
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(rows)
}

/// What a list may show: records of these cadres or of these units (`None`: no limit on that side).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Cadres whose records are shown; `None` for every cadre.
    pub cadres: Option<Vec<String>>,
    /// Units whose records are shown; `None` for every unit.
    pub units: Option<Vec<String>>,
}

impl Reach {
    /// Whether a record of `cadre_id` (may be empty) belonging to `unit_id` is within reach.
    pub fn admits(&self, cadre_id: &str, unit_id: &str) -> bool {
        let cadre =
            self.cadres.as_ref().is_none_or(|c| !cadre_id.is_empty() && c.iter().any(|x| x == cadre_id));
        let unit = self.units.as_ref().is_none_or(|u| u.iter().any(|x| x == unit_id));
        match (&self.cadres, &self.units) {
            (None, None) => true,
            (Some(_), None) => cadre,
            (None, Some(_)) => unit,
            (Some(_), Some(_)) => cadre || unit,
        }
    }

    /// Whether nothing at all is within reach.
    pub fn is_empty(&self) -> bool {
        matches!((&self.cadres, &self.units), (Some(c), Some(u)) if c.is_empty() && u.is_empty())
    }
}

/// The reach of `scope`, cut to the subtree of `unit_id` when one is given: within a subtree, the cadres
/// employed there and the units there.
pub fn reach(conn: &mut DbConn, scope: &DataScope, unit_id: &str) -> Result<Reach, ApiError> {
    if unit_id.is_empty() && scope.is_district() {
        return Ok(Reach::default());
    }
    let scoped_cadres = cadre_ids_in_scope(conn, scope)?;
    let scoped_units = unit_ids_in_scope(conn, scope)?;
    if unit_id.is_empty() {
        return Ok(Reach {
            cadres: scoped_cadres.or(Some(Vec::new())),
            units: scoped_units.or(Some(Vec::new())),
        });
    }
    let subtree_units: Vec<String> =
        projection::units_in_subtree(conn, unit_id)?.into_iter().map(|u| u.id).collect();
    let subtree_cadres = projection::cadre_ids_in_subtree(conn, unit_id)?;
    // Both scope lists come sorted by id.
    let cut = |inner: Vec<String>, scoped: Option<Vec<String>>| match scoped {
        None => inner,
        Some(scoped) => inner.into_iter().filter(|x| scoped.binary_search(x).is_ok()).collect(),
    };
    Ok(Reach {
        cadres: Some(cut(subtree_cadres, scoped_cadres)),
        units: Some(cut(subtree_units, scoped_units)),
    })
}

#[cfg(test)]
mod tests {
    use super::Reach;

    #[test]
    fn a_long_reach_is_queried_in_chunks_and_merged_into_one_page() {
        // Rows "c<n>" of cadre n and "u<n>" of unit n; the query answers a sub-reach like SQL would.
        let cadres: Vec<String> = (0..1200).map(|n| format!("{n:05}")).collect();
        let units: Vec<String> = (0..700).map(|n| format!("{n:05}")).collect();
        let reach = Reach { cadres: Some(cadres.clone()), units: Some(units.clone()) };
        let mut calls = 0;
        let rows = super::chunked(
            &reach,
            10,
            true,
            |r: &String| r.as_str(),
            |sub| {
                calls += 1;
                assert!(sub.cadres.as_ref().is_none_or(|c| c.len() <= super::CHUNK));
                assert!(sub.units.as_ref().is_none_or(|u| u.len() <= super::CHUNK));
                let mut out: Vec<String> = Vec::new();
                out.extend(sub.cadres.iter().flatten().map(|c| format!("c{c}")));
                out.extend(sub.units.iter().flatten().map(|u| format!("u{u}")));
                out.sort();
                out.reverse();
                out.truncate(10);
                Ok(out)
            },
        )
        .unwrap();
        assert_eq!(calls, 3 + 2);
        let mut all: Vec<String> =
            cadres.iter().map(|c| format!("c{c}")).chain(units.iter().map(|u| format!("u{u}"))).collect();
        all.sort();
        all.reverse();
        all.truncate(10);
        assert_eq!(rows, all);
        let short = Reach { cadres: Some(vec!["a".into()]), units: None };
        let mut calls = 0;
        super::chunked(
            &short,
            10,
            false,
            |r: &String| r.as_str(),
            |_| {
                calls += 1;
                Ok(Vec::new())
            },
        )
        .unwrap();
        assert_eq!(calls, 1);
    }

    #[test]
    fn reach_admits_by_cadre_or_unit() {
        let all = Reach::default();
        assert!(all.admits("c", "u"));
        let some = Reach { cadres: Some(vec!["c1".into()]), units: Some(vec!["u1".into()]) };
        assert!(some.admits("c1", "u9"));
        assert!(some.admits("c9", "u1"));
        assert!(some.admits("", "u1"), "a collective's record by its unit");
        assert!(!some.admits("c9", "u9"));
        assert!(!some.admits("", "u9"));
        let nothing = Reach { cadres: Some(vec![]), units: Some(vec![]) };
        assert!(nothing.is_empty());
        assert!(!nothing.admits("c1", "u1"));
    }
}
