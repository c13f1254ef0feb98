//! Relay's `Node` interface: each main entity has a global id — opaque and stable (one AES
//! block, see [`crate::crypto::Opaque`]) — and can be refetched with `node(id)` or
//! `nodes(ids)`. A lookup goes through the same scope and compartment rule as the list the
//! object appears in, so nothing is reachable by id that the list would hide; an id the viewer
//! may not see answers `null`, exactly like an id that does not exist (no oracle).

use async_graphql::{Context, ID, Interface, Object, Result};
use sea_orm::{Condition, DatabaseConnection};

use entity::{
    agencies, campaigns, communes, directives, periodic_reports, publications, tasks, tips,
};

use crate::auth::Viewer;
use crate::domain::access::{check_reference, publication_scope, report_scope, tip_scope};
use crate::error::{AppError, AppResult};
use crate::graphql::cases::Case;
use crate::graphql::context::{db, viewer};
use crate::graphql::directives::{Campaign, Directive, Task};
use crate::graphql::publications::Publication;
use crate::graphql::reference::{Agency, Commune};
use crate::graphql::reports::PeriodicReport;
use crate::graphql::tips::Tip;
use crate::service::scopes::{self, within};

pub use crate::graphql::ids::*;

/// An object that can be refetched by its global id.
#[derive(Interface)]
#[graphql(
    // The press reads only published summaries: no object of this interface is theirs.
    visible = "crate::graphql::guards::not_press_visible",
    field(
    name = "id",
    ty = "ID",
    desc = "Global, opaque, stable id: refetch with `node(id:)`."
))]
pub enum Node {
    Case(Case),
    Directive(Directive),
    Task(Task),
    Campaign(Campaign),
    Tip(Tip),
    Publication(Publication),
    PeriodicReport(PeriodicReport),
    Agency(Agency),
    Commune(Commune),
}

/// Loads one object through its list's rule; `None` when absent or out of the viewer's reach.
async fn load(
    db: &DatabaseConnection,
    v: &Viewer,
    kind: NodeKind,
    id: i64,
) -> AppResult<Option<Node>> {
    Ok(match kind {
        NodeKind::Case => crate::service::cases::get(db, v, id)
            .await?
            .map(|m| Node::Case(Case(m))),
        NodeKind::Directive => within::<directives::Entity, _>(db, scopes::directives(v), id)
            .await?
            .map(|m| Node::Directive(Directive(m))),
        NodeKind::Task => within::<tasks::Entity, _>(db, scopes::tasks(v), id)
            .await?
            .map(|m| Node::Task(Task(m.into()))),
        NodeKind::Campaign => within::<campaigns::Entity, _>(db, scopes::campaigns(v), id)
            .await?
            .map(|m| Node::Campaign(Campaign(m))),
        NodeKind::Tip => {
            let scope = tip_scope(v).map(scopes::tips);
            within::<tips::Entity, _>(db, scope, id)
                .await?
                .map(|m| Node::Tip(Tip(m)))
        }
        NodeKind::Publication => {
            let scope = publication_scope(v).map(scopes::publications);
            within::<publications::Entity, _>(db, scope, id)
                .await?
                .map(|m| Node::Publication(Publication(m)))
        }
        NodeKind::PeriodicReport => {
            let scope = report_scope(v).map(scopes::reports);
            within::<periodic_reports::Entity, _>(db, scope, id)
                .await?
                .map(|m| Node::PeriodicReport(PeriodicReport(m)))
        }
        NodeKind::Agency => within::<agencies::Entity, _>(db, everything(v), id)
            .await?
            .map(|m| Node::Agency(Agency(m))),
        NodeKind::Commune => within::<communes::Entity, _>(db, everything(v), id)
            .await?
            .map(|m| Node::Commune(Commune(m))),
        // An agency's watch-list is read whole through `watches`.
        NodeKind::Watch => None,
    })
}

/// The scope of reference data: every row, for whoever may read it.
fn everything(v: &Viewer) -> AppResult<Condition> {
    check_reference(v).map(|()| Condition::all())
}

/// At most this many ids per `nodes` call (each is one lookup).
const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, if the viewer may see it; `null` otherwise (absent
    /// and out of reach look the same).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let v = viewer(ctx)?;
        let Some((kind, row)) = parse_global_id(&id) else {
            return Ok(None);
        };
        Ok(load(db(ctx)?, v, kind, row).await?)
    }

    /// The objects with these global ids, in order (`null` for each the viewer may not see);
    /// at most 100.
    #[graphql(
        visible = "crate::graphql::guards::not_press_visible",
        complexity = "crate::graphql::cost::by_ids(ids.len(), child_complexity)"
    )]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        let v = viewer(ctx)?;
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input(format!("at most {MAX_NODES} ids")).into());
        }
        let conn = db(ctx)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(match parse_global_id(id) {
                Some((kind, row)) => load(conn, v, kind, row).await?,
                None => None,
            });
        }
        Ok(out)
    }
}
