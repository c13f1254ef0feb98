//! The rows each viewer reads, as conditions of the query: the scopes of
//! [`crate::domain::access`] (which rows of a kind a role reads) written as SQL once, for every
//! path that reaches a row — a list, `node(id)`, a subscription, and the load of a row a write
//! names. A write loads its row within the writer's scope ([`crate::service::rows::by_id_within`]),
//! so a row the writer may not read is `NOT_FOUND` exactly as a missing id, in the same one
//! statement; `FORBIDDEN` is kept for a
//! row the writer reads but may not change (a refusal that reveals nothing it could not read).
//! Cases and their records have their own, finer rules ([`crate::service::cases`],
//! [`crate::service::case_records`]).

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter};

use entity::{
    campaigns, case_campaigns, cases, directives, periodic_reports, publications,
    task_coordinators, tasks, tips,
};

use crate::auth::Viewer;
use crate::domain::access::{
    DirectiveScope, PublicationScope, ReportScope, TipScope, directive_scope,
};
use crate::error::{AppError, AppResult};

/// The tips a scope reads: all, or those assigned to one agency.
pub fn tips(scope: TipScope) -> Condition {
    match scope {
        TipScope::All => Condition::all(),
        TipScope::AssignedTo(agency) => {
            Condition::all().add(tips::Column::AssignedAgencyId.eq(agency))
        }
    }
}

/// The publications a scope reads: an agency reads those it drafted and those waiting for its
/// review (the case holds informant data of a tip assigned to it).
pub fn publications(scope: PublicationScope) -> Condition {
    match scope {
        PublicationScope::All => Condition::all(),
        PublicationScope::OwnAgency(agency) => Condition::any()
            .add(publications::Column::DraftedByAgencyId.eq(agency))
            .add(publications::Column::ReviewAgencyId.eq(agency)),
    }
}

/// The reports a scope reads: every agency's, or one agency's own.
pub fn reports(scope: ReportScope) -> Condition {
    match scope {
        ReportScope::All => Condition::all(),
        ReportScope::OwnAgency(agency) => {
            Condition::all().add(periodic_reports::Column::AgencyId.eq(agency))
        }
    }
}

/// The tasks an agency leads or coordinates (what a commune user sees; the `agency` filter).
pub fn agency_tasks(agency_id: i64) -> Condition {
    Condition::any()
        .add(tasks::Column::LeadAgencyId.eq(agency_id))
        .add(
            tasks::Column::Id.in_subquery(
                Query::select()
                    .column(task_coordinators::Column::TaskId)
                    .from(task_coordinators::Entity)
                    .and_where(task_coordinators::Column::AgencyId.eq(agency_id))
                    .to_owned(),
            ),
        )
}

/// The tasks a viewer reads.
pub fn tasks(viewer: &Viewer) -> AppResult<Condition> {
    Ok(match directive_scope(viewer)? {
        DirectiveScope::All => Condition::all(),
        DirectiveScope::CommuneAgency { agency_id, .. } => {
            Condition::all().add(agency_tasks(agency_id))
        }
    })
}

/// The directives a viewer reads: for a commune user, those its tasks come from.
pub fn directives(viewer: &Viewer) -> AppResult<Condition> {
    Ok(match directive_scope(viewer)? {
        DirectiveScope::All => Condition::all(),
        DirectiveScope::CommuneAgency { agency_id, .. } => Condition::all().add(
            directives::Column::Id.in_subquery(
                Query::select()
                    .column(tasks::Column::DirectiveId)
                    .from(tasks::Entity)
                    .cond_where(agency_tasks(agency_id))
                    .to_owned(),
            ),
        ),
    })
}

/// The campaigns a viewer reads: for a commune user, those its commune's cases are counted
/// under.
pub fn campaigns(viewer: &Viewer) -> AppResult<Condition> {
    Ok(match directive_scope(viewer)? {
        DirectiveScope::All => Condition::all(),
        DirectiveScope::CommuneAgency { commune_id, .. } => Condition::all().add(
            campaigns::Column::Id.in_subquery(
                Query::select()
                    .column(case_campaigns::Column::CampaignId)
                    .from(case_campaigns::Entity)
                    .inner_join(
                        cases::Entity,
                        Expr::col((cases::Entity, cases::Column::Id))
                            .equals((case_campaigns::Entity, case_campaigns::Column::CaseId)),
                    )
                    .and_where(Expr::col((cases::Entity, cases::Column::CommuneId)).eq(commune_id))
                    .to_owned(),
            ),
        ),
    })
}

/// Row `id` of `E` within `scope`, for a read by id: `None` when absent, or when the scope
/// refuses the whole kind (e.g. tips for the press: the same `null` as absence).
pub async fn within<E, C>(
    conn: &C,
    scope: AppResult<Condition>,
    id: i64,
) -> AppResult<Option<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    let cond = match scope {
        Ok(cond) => cond,
        Err(AppError::Forbidden(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(E::find_by_id(id).filter(cond).one(conn).await?)
}
