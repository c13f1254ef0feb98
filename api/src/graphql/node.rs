//! Relay's `Node` interface: each main entity has a global id — opaque and stable (one AES
//! block, see [`crate::crypto::Opaque`]) — and can be refetched with `node(id)` or
//! `nodes(ids)`. A lookup goes through the same scope and compartment rule as the list the
//! object appears in, so nothing is reachable by id that the list would hide; an id the viewer
//! may not see answers `null`, exactly like an id that does not exist (no oracle).

use async_graphql::{Context, ID, Interface, Object, Result};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

use entity::{campaigns, directives, periodic_reports, publications, tasks, tips};

use crate::auth::Viewer;
use crate::domain::access::TipScope;
use crate::error::{AppError, AppResult};
use crate::graphql::cases::Case;
use crate::graphql::context::{db, viewer};
use crate::graphql::directives::{Campaign, Directive, Task};
use crate::graphql::publications::Publication;
use crate::graphql::reference::{Agency, Commune};
use crate::graphql::reports::PeriodicReport;
use crate::graphql::tips::Tip;

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
    // A refusal of the whole kind (e.g. tips for the press) is the same `null` as absence.
    fn scoped<T>(r: AppResult<T>) -> AppResult<Option<T>> {
        match r {
            Ok(t) => Ok(Some(t)),
            Err(AppError::Forbidden(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
    Ok(match kind {
        NodeKind::Case => crate::service::cases::get(db, v, id)
            .await?
            .map(|m| Node::Case(Case(m))),
        NodeKind::Directive => {
            let Some(cond) = scoped(crate::graphql::directives::directive_scope_condition(v))?
            else {
                return Ok(None);
            };
            find::<directives::Entity>(db, cond.add(directives::Column::Id.eq(id)))
                .await?
                .map(|m| Node::Directive(Directive(m)))
        }
        NodeKind::Task => {
            let Some(cond) = scoped(crate::graphql::directives::task_scope_condition(v))? else {
                return Ok(None);
            };
            find::<tasks::Entity>(db, cond.add(tasks::Column::Id.eq(id)))
                .await?
                .map(|m| Node::Task(Task(m.into())))
        }
        NodeKind::Campaign => {
            let Some(cond) = scoped(crate::graphql::directives::campaign_scope_condition(v))?
            else {
                return Ok(None);
            };
            find::<campaigns::Entity>(db, cond.add(campaigns::Column::Id.eq(id)))
                .await?
                .map(|m| Node::Campaign(Campaign(m)))
        }
        NodeKind::Tip => {
            let Some(scope) = scoped(crate::domain::access::tip_scope(v))? else {
                return Ok(None);
            };
            let mut cond = Condition::all().add(tips::Column::Id.eq(id));
            if let TipScope::AssignedTo(a) = scope {
                cond = cond.add(tips::Column::AssignedAgencyId.eq(a));
            }
            find::<tips::Entity>(db, cond)
                .await?
                .map(|m| Node::Tip(Tip(m)))
        }
        NodeKind::Publication => {
            let Some(scope) = scoped(crate::domain::access::publication_scope(v))? else {
                return Ok(None);
            };
            let cond = Condition::all()
                .add(publications::Column::Id.eq(id))
                .add(crate::graphql::publications::scope_condition(scope));
            find::<publications::Entity>(db, cond)
                .await?
                .map(|m| Node::Publication(Publication(m)))
        }
        NodeKind::PeriodicReport => {
            let Some(scope) = scoped(crate::domain::access::report_scope(v))? else {
                return Ok(None);
            };
            let mut cond = Condition::all().add(periodic_reports::Column::Id.eq(id));
            if let crate::domain::access::ReportScope::OwnAgency(a) = scope {
                cond = cond.add(periodic_reports::Column::AgencyId.eq(a));
            }
            find::<periodic_reports::Entity>(db, cond)
                .await?
                .map(|m| Node::PeriodicReport(PeriodicReport(m)))
        }
        NodeKind::Agency => {
            if scoped(crate::domain::access::check_reference(v))?.is_none() {
                return Ok(None);
            }
            entity::agencies::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|m| Node::Agency(Agency(m)))
        }
        NodeKind::Commune => {
            if scoped(crate::domain::access::check_reference(v))?.is_none() {
                return Ok(None);
            }
            entity::communes::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|m| Node::Commune(Commune(m)))
        }
        // An agency's watch-list is read whole through `watches`.
        NodeKind::Watch => None,
    })
}

async fn find<E: EntityTrait>(
    db: &DatabaseConnection,
    cond: Condition,
) -> AppResult<Option<E::Model>> {
    Ok(E::find().filter(cond).one(db).await?)
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
