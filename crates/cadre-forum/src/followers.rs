//! The directory's feed as this service follows it: the shared projection (`cadre_projection`'s units and
//! cadres) and, from the same events in the same transaction, the HR system's ids of the cadres, by which
//! sign-in sheets may name people. One follower, one cursor: the projection's own.

use cadre_platform::{ApiError, DbConn};
use cadre_projection::{
    DirectoryFeed, DirectorySnapshot, FeedSource, RelistFailed, Upstream, store as projection,
};
use cadre_proto::{
    directory::{CadreChangedEvent, CadreCreatedEvent},
    events::Event,
};
use prost::{Message, Name};

use crate::store::external_ids;

/// The directory's feed, followed into the projection and `cadre_external_ids`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForumDirectoryFeed;

impl FeedSource for ForumDirectoryFeed {
    const SOURCE: &'static str = <DirectoryFeed as FeedSource>::SOURCE;
    type Snapshot = DirectorySnapshot;

    fn event_types() -> Vec<String> {
        DirectoryFeed::event_types()
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let applied = projection::apply_event(conn, event)?;
        if let Some(any) = &event.payload {
            let name = any.type_url.rsplit('/').next().unwrap_or_default();
            let cadre = if name == CadreCreatedEvent::full_name() {
                CadreCreatedEvent::decode(any.value.as_slice()).ok().and_then(|e| e.cadre)
            } else if name == CadreChangedEvent::full_name() {
                CadreChangedEvent::decode(any.value.as_slice()).ok().and_then(|e| e.cadre)
            } else {
                None
            };
            if let Some(cadre) = cadre {
                external_ids::record(conn, &cadre.id, &cadre.external_id)?;
            }
        }
        Ok(applied)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<DirectorySnapshot, RelistFailed> {
        DirectoryFeed.relist(upstream).await
    }

    fn replace(conn: &mut DbConn, snapshot: &DirectorySnapshot) -> Result<(), ApiError> {
        DirectoryFeed::replace(conn, snapshot)?;
        for cadre in &snapshot.cadres {
            external_ids::record(conn, &cadre.id, &cadre.external_id)?;
        }
        Ok(())
    }

    fn describe(snapshot: &DirectorySnapshot) -> String {
        DirectoryFeed::describe(snapshot)
    }
}
