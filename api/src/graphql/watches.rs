//! Watch-lists: `watches`, `watch`, `unwatch`, and the `WatchHit` that `watchHit` delivers
//! (`graphql::subscriptions`). The rules — who watches what, which records a hit may come
//! from — are `service::watches`.

use async_graphql::{Context, ID, Object, Result};

use entity::watches;

use crate::domain::access::watched_compartments;
use crate::domain::vocab::WatchKind;
use crate::graphql::cases::Case;
use crate::graphql::context::{Timestamp, db, viewer};
use crate::graphql::ids::{NodeKind, global_id, parse_id};
use crate::graphql::workflow::{note_read, writer};
use crate::service::watches as svc;

/// A value an agency watches.
pub struct Watch(pub watches::Model);

#[Object(visible = "crate::graphql::guards::watches_visible")]
impl Watch {
    async fn id(&self) -> ID {
        global_id(NodeKind::Watch, self.0.id)
    }
    async fn kind(&self) -> Result<WatchKind> {
        Ok(WatchKind::from_db(&self.0.kind)?)
    }
    /// The value as the records hold it (digits only; a commune's code; a commodity group's
    /// name in lower case).
    async fn value(&self) -> &str {
        &self.0.value
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// Set once the agency stopped watching it.
    async fn archived_at(&self) -> Option<Timestamp> {
        self.0.archived_at.map(Into::into)
    }
}

/// A case written that holds values the agency watches.
pub struct WatchHit {
    pub case: entity::cases::Model,
    pub watches: Vec<watches::Model>,
}

#[Object(visible = "crate::graphql::guards::watches_visible")]
impl WatchHit {
    /// The case, as the viewer reads it.
    async fn case(&self) -> Case {
        Case(self.case.clone())
    }
    /// The agency's entries it matched.
    async fn watches(&self) -> Vec<Watch> {
        self.watches.iter().cloned().map(Watch).collect()
    }
}

#[derive(Default)]
pub struct WatchQuery;

#[Object]
impl WatchQuery {
    /// The viewer's agency's watch-list, oldest first.
    #[graphql(visible = "crate::graphql::guards::watches_visible")]
    async fn watches(&self, ctx: &Context<'_>) -> Result<Vec<Watch>> {
        let rows = svc::list(db(ctx)?, viewer(ctx)?).await?;
        // An ID number or a tax code on the list is a restricted datum read.
        for w in &rows {
            let restricted = WatchKind::from_db(&w.kind)
                .map(|k| watched_compartments(k).iter().any(Option::is_some))
                .unwrap_or(true);
            if restricted {
                note_read(ctx, "watch", w.id, "value");
            }
        }
        Ok(rows.into_iter().map(Watch).collect())
    }
}

#[derive(Default)]
pub struct WatchMutation;

#[Object]
impl WatchMutation {
    /// Watches a value for the viewer's agency (`watchHit` tells of the cases written that
    /// hold it). Watching a value already watched returns that entry. A kind whose
    /// compartment the role never reads is refused.
    #[graphql(visible = "crate::graphql::guards::watches_visible")]
    async fn watch(
        &self,
        ctx: &Context<'_>,
        kind: WatchKind,
        value: String,
    ) -> Result<Option<Watch>> {
        Ok(Some(Watch(svc::add(&writer(ctx)?, kind, &value).await?)))
    }

    /// Stops watching (the entry is archived).
    #[graphql(visible = "crate::graphql::guards::watches_visible")]
    async fn unwatch(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Watch>> {
        Ok(Some(Watch(
            svc::remove(&writer(ctx)?, parse_id(&id, NodeKind::Watch)?).await?,
        )))
    }
}
