//! The directory's feed as a [`FeedSource`]: its unit and cadre events applied to the projection
//! ([`crate::store`]), and a relist through `ListOrgUnits` and `SearchCadres` when the feed has pruned the
//! follower's cursor.

use std::collections::BTreeSet;

use cadre_platform::{ApiError, DbConn};
use cadre_proto::{
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    events::Event,
};

use crate::{
    follower::{FeedSource, RelistFailed, Upstream},
    store,
};

/// The directory's name as an event source: the `source` of its events and the projection's cursor key.
pub const SOURCE: &str = "directory";

/// The directory's feed, followed into `directory_units` and `directory_cadres`:
/// `Follower::spawn(DirectoryFeed, db, &endpoint, "leave", signer, shutdown, settings)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectoryFeed;

/// The directory as a relist found it.
#[derive(Debug, Clone, Default)]
pub struct DirectorySnapshot {
    /// Every unit, open or closed, each after its ancestors.
    pub units: Vec<dir::OrgUnit>,
    /// Every cadre, whatever their status.
    pub cadres: Vec<dir::Cadre>,
}

impl FeedSource for DirectoryFeed {
    const SOURCE: &'static str = SOURCE;
    type Snapshot = DirectorySnapshot;

    fn event_types() -> Vec<String> {
        store::followed_event_types()
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        store::apply_event(conn, event)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<DirectorySnapshot, RelistFailed> {
        let mut client = DirectoryServiceClient::new(upstream.channel());
        let units = list_units(&mut client, upstream).await?;
        let cadres = list_cadres(&mut client, upstream).await?;
        Ok(DirectorySnapshot { units, cadres })
    }

    fn replace(conn: &mut DbConn, snapshot: &DirectorySnapshot) -> Result<(), ApiError> {
        // Ancestors first, so that a unit's move is recorded before its children are written under it.
        for unit in &snapshot.units {
            store::upsert_unit(conn, unit)?;
        }
        for cadre in &snapshot.cadres {
            store::upsert_cadre(conn, cadre)?;
        }
        let unit_ids: BTreeSet<String> = snapshot.units.iter().map(|u| u.id.clone()).collect();
        let cadre_ids: BTreeSet<String> = snapshot.cadres.iter().map(|c| c.id.clone()).collect();
        store::retire_unlisted(conn, &unit_ids, &cadre_ids)
    }

    fn describe(snapshot: &DirectorySnapshot) -> String {
        format!("{} units, {} cadres", snapshot.units.len(), snapshot.cadres.len())
    }
}

type Client = DirectoryServiceClient<crate::follower::UpstreamChannel>;

/// Every unit, open or closed, roots first and then each root's subtree, ordered by depth.
async fn list_units(client: &mut Client, upstream: &Upstream) -> Result<Vec<dir::OrgUnit>, RelistFailed> {
    let mut units = list_units_where(client, upstream, String::new()).await?;
    let roots: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    for root in roots {
        let below = list_units_where(client, upstream, root).await?;
        units.extend(below);
    }
    units.sort_by_key(|u| u.depth);
    Ok(units)
}

/// All pages of the roots (`ancestor_id` empty) or of one root's subtree.
async fn list_units_where(
    client: &mut Client,
    upstream: &Upstream,
    ancestor_id: String,
) -> Result<Vec<dir::OrgUnit>, RelistFailed> {
    let mut units = Vec::new();
    let mut page_token = String::new();
    loop {
        let request = dir::ListOrgUnitsRequest {
            ancestor_id: ancestor_id.clone(),
            include_closed: true,
            page_size: upstream.page_size(),
            page_token,
            ..Default::default()
        };
        let page = upstream.call("ListOrgUnits", client.list_org_units(request)).await?;
        units.extend(page.org_units);
        if page.next_page_token.is_empty() {
            return Ok(units);
        }
        page_token = page.next_page_token;
    }
}

/// Every cadre, whatever their status.
async fn list_cadres(client: &mut Client, upstream: &Upstream) -> Result<Vec<dir::Cadre>, RelistFailed> {
    let mut cadres = Vec::new();
    let mut page_token = String::new();
    loop {
        let request =
            dir::SearchCadresRequest { page_size: upstream.page_size(), page_token, ..Default::default() };
        let page = upstream.call("SearchCadres", client.search_cadres(request)).await?;
        cadres.extend(page.cadres);
        if page.next_page_token.is_empty() {
            return Ok(cadres);
        }
        page_token = page.next_page_token;
    }
}
