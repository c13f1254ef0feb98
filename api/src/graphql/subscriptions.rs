//! Live updates (`graphql-transport-ws`, see `http::live`). Each subscription turns the domain
//! events of the fleet (`service::events`) into the objects the viewer would read with a query:
//! for every event the record is read again through the viewer's scope (the same conditions
//! as the lists), and its fields resolve through the same guards. So a subscriber receives
//! nothing a query would not show it, by any event; an event about a record outside its scope
//! is simply not delivered.
//!
//! A subscriber that falls more than [`BACKLOG`](crate::service::events::BACKLOG) events
//! behind gets one `UNAVAILABLE` error item saying how many it missed, and the stream goes on:
//! a client then reads the current state with a query.

use std::future::Future;

use async_graphql::futures_util::{Stream, StreamExt, stream};
use async_graphql::{Context, ID, Object, Result, Subscription};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::broadcast::error::RecvError;

use entity::{cases, publications, task_coordinators, tasks, tips};

use crate::auth::Viewer;
use crate::domain::access::{
    Action, Compartment, acting_agency, check_published_cases, publication_scope, tip_scope,
};
use crate::domain::vocab::{PublicationStatus, TipStatus};
use crate::error::{AppError, AppResult};
use crate::graphql::cases::{Case, CaseFilter, restricted_filters};
use crate::graphql::context::{RequestCtx, db, services, viewer};
use crate::graphql::directives::Task;
use crate::graphql::publications::{Publication, PublishedCase};
use crate::graphql::tips::Tip;
use crate::graphql::watches::WatchHit;
use crate::service::cases::{CaseFilterParams, case_condition};
use crate::service::events::DomainEvent;
use crate::service::scopes;

#[derive(Default)]
pub struct SubscriptionRoot;

/// Turns the fleet's events into the objects `pick` reads for this viewer: `Ok(None)` is "not
/// for this subscriber", an error is delivered as an error item.
fn deliver<T, F, Fut>(
    ctx: &Context<'_>,
    pick: F,
) -> Result<impl Stream<Item = Result<T>> + use<T, F, Fut>>
where
    T: Send + 'static,
    F: Fn(DomainEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = AppResult<Option<T>>> + Send + 'static,
{
    let receiver = services(ctx)?.events.subscribe();
    let events = stream::unfold(receiver, |mut rx| async move {
        match rx.recv().await {
            Ok(event) => Some((Ok(event), rx)),
            Err(RecvError::Lagged(missed)) => Some((Err(missed), rx)),
            Err(RecvError::Closed) => None,
        }
    });
    Ok(events.filter_map(move |event| {
        let picked = event.map(&pick);
        async move {
            match picked {
                Err(missed) => Some(Err(AppError::Unavailable(format!(
                    "{missed} events were missed while this subscriber was behind; read the current state with a query"
                ))
                .into())),
                Ok(picked) => match picked.await {
                    Ok(Some(item)) => Some(Ok(item)),
                    Ok(None) => None,
                    Err(e) => Some(Err(e.into())),
                },
            }
        }
    }))
}

/// The case an event is about, and the compartment of the record written (`None`: core).
fn case_of(event: &DomainEvent) -> Option<(i64, Option<Compartment>)> {
    match *event {
        DomainEvent::CaseChanged { case_id } => Some((case_id, None)),
        DomainEvent::CaseRecordChanged {
            case_id,
            compartment,
        } => Some((case_id, Some(compartment))),
        _ => None,
    }
}

/// Whether the viewer may hear of a write of `compartment` on `case`: a core write always,
/// a restricted record's only where the viewer reads that compartment on that case.
fn reads_event(v: &Viewer, compartment: Option<Compartment>, case: &cases::Model) -> bool {
    compartment.is_none_or(|c| v.reads_case_compartment(c, case.lead_agency_id))
}

#[Subscription]
impl SubscriptionRoot {
    /// A case created or changed, when it is in the viewer's scope (a commune user: its
    /// commune's cases) and matches `filter` — the filter of `cases`, with the same rules: a
    /// filter on a compartment the role lacks is refused, one it reads only on its own
    /// agency's cases is narrowed to those, and each delivery is audited as a search.
    #[graphql(visible = "crate::graphql::guards::cases_visible")]
    async fn case_changed(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
    ) -> Result<impl Stream<Item = Result<Case>>> {
        let v = viewer(ctx)?;
        let params: CaseFilterParams = filter.map(Into::into).unwrap_or_default();
        let cond = case_condition(v, &params, None)?;
        let searched = restricted_filters(&params);
        let reads = ctx.data::<RequestCtx>()?.reads.clone();
        let db = db(ctx)?.clone();
        let viewer = v.clone();
        deliver(ctx, move |event| {
            let (db, cond, reads, searched) =
                (db.clone(), cond.clone(), reads.clone(), searched.clone());
            let v = viewer.clone();
            async move {
                let Some((case_id, compartment)) = case_of(&event) else {
                    return Ok(None);
                };
                let case = cases::Entity::find_by_id(case_id)
                    .filter(cond)
                    .one(&db)
                    .await?
                    .filter(|c| reads_event(&v, compartment, c));
                // The search is audited as one over HTTP is: which fields, not which cases (a
                // case's row id here told the admin which case a police search by ID number
                // matched: a review of stop 37).
                if case.is_some() {
                    for field in searched {
                        reads.note_search("caseSearch", field);
                    }
                }
                Ok(case.map(Case))
            }
        })
    }

    /// A tip forwarded to the viewer's agency (delivered again if it is restored while still
    /// forwarded there). The reporter's identity follows the informant compartment as in `tip`.
    #[graphql(visible = "crate::graphql::guards::tips_visible")]
    async fn tip_assigned(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<Tip>>> {
        let v = viewer(ctx)?;
        tip_scope(v)?;
        let agency = v.agency_id.ok_or_else(|| {
            AppError::forbidden("tips are assigned to agencies, and your token names none")
        })?;
        let db = db(ctx)?.clone();
        deliver(ctx, move |event| {
            let db = db.clone();
            async move {
                let (DomainEvent::TipChanged { tip_id } | DomainEvent::TipReceived { tip_id }) =
                    event
                else {
                    return Ok(None);
                };
                let tip = tips::Entity::find_by_id(tip_id)
                    .filter(tips::Column::AssignedAgencyId.eq(agency))
                    .filter(tips::Column::Status.eq(TipStatus::Forwarded.as_str()))
                    .filter(tips::Column::ArchivedAt.is_null())
                    .one(&db)
                    .await?;
                Ok(tip.map(Tip))
            }
        })
    }

    /// A case created or written (its core facts, a subject, a seizure, a customs record) that
    /// holds values the viewer's agency watches (`watch`), counting only the records the
    /// viewer may read on that case. Each delivery is audited as a read of what it matched.
    #[graphql(visible = "crate::graphql::guards::watches_visible")]
    async fn watch_hit(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<WatchHit>>> {
        let v = viewer(ctx)?.clone();
        acting_agency(&v, Action::KeepWatchList)?;
        let reads = ctx.data::<RequestCtx>()?.reads.clone();
        let db = db(ctx)?.clone();
        deliver(ctx, move |event| {
            let (db, v, reads) = (db.clone(), v.clone(), reads.clone());
            async move {
                let Some((case_id, compartment)) = case_of(&event) else {
                    return Ok(None);
                };
                let Some(hit) = crate::service::watches::hits(&db, &v, case_id).await? else {
                    return Ok(None);
                };
                if !reads_event(&v, compartment, &hit.case) {
                    return Ok(None);
                }
                for field in &hit.read {
                    reads.note("case", hit.case.id, field);
                }
                Ok(Some(WatchHit {
                    case: hit.case,
                    watches: hit.watches,
                }))
            }
        })
    }

    /// A task of the viewer's agency (which it leads or coordinates) falling due within
    /// `withinDays` days (1 to 30, default 3), or newly overdue: announced once per task and
    /// day by the fleet's deadline scheduler, and once when it becomes overdue.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn task_due(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3)] within_days: i32,
    ) -> Result<impl Stream<Item = Result<TaskDeadline>>> {
        let v = viewer(ctx)?;
        let scope = scopes::tasks(v)?;
        let agency = v.agency_id.ok_or_else(|| {
            AppError::forbidden("tasks are an agency's, and your token names none")
        })?;
        let horizon = crate::service::deadlines::HORIZON_DAYS as i32;
        if !(1..=horizon).contains(&within_days) {
            return Err(AppError::bad_input(format!("`withinDays` is 1 to {horizon}")).into());
        }
        let mine = Condition::any()
            .add(tasks::Column::LeadAgencyId.eq(agency))
            .add(
                tasks::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(task_coordinators::Column::TaskId)
                        .from(task_coordinators::Entity)
                        .and_where(task_coordinators::Column::AgencyId.eq(agency))
                        .to_owned(),
                ),
            );
        let cond = scope.add(mine).add(tasks::Column::ArchivedAt.is_null());
        let db = db(ctx)?.clone();
        deliver(ctx, move |event| {
            let (db, cond) = (db.clone(), cond.clone());
            async move {
                let DomainEvent::TaskDue { task_id, days_left } = event else {
                    return Ok(None);
                };
                if days_left > i64::from(within_days) {
                    return Ok(None);
                }
                let task = tasks::Entity::find_by_id(task_id)
                    .filter(cond)
                    .one(&db)
                    .await?;
                Ok(task.map(|t| TaskDeadline { task: t, days_left }))
            }
        })
    }

    /// A publication approved (published) or withdrawn, or an approved one archived. The
    /// press and every reader of `publishedCases` get the published summary (`publishedCase`)
    /// and, once it is no longer published, the id to take down; staff also get the
    /// publication itself when it is in their scope. Drafts, reviews and rejections are not
    /// announced.
    #[graphql(visible = "crate::graphql::guards::publication_changes_visible")]
    async fn publication_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<PublicationChange>>> {
        let v = viewer(ctx)?;
        check_published_cases(v)?;
        // `None`: the viewer reads no drafts (the press).
        let scope = publication_scope(v).ok().map(scopes::publications);
        let db = db(ctx)?.clone();
        deliver(ctx, move |event| {
            let (db, scope) = (db.clone(), scope.clone());
            async move {
                let DomainEvent::PublicationChanged {
                    publication_id,
                    status,
                } = event
                else {
                    return Ok(None);
                };
                publication_change(&db, publication_id, &status, scope).await
            }
        })
    }
}

/// The change an approval or withdrawal made, read now. An event read after a later write
/// (an approval heard once the publication was already withdrawn) is not delivered: the later
/// write's own event follows.
async fn publication_change(
    db: &DatabaseConnection,
    id: i64,
    status: &str,
    scope: Option<Condition>,
) -> AppResult<Option<PublicationChange>> {
    let announced = [PublicationStatus::Approved, PublicationStatus::Withdrawn];
    if !announced.iter().any(|s| s.as_str() == status) {
        return Ok(None);
    }
    let Some(row) = publications::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if row.status != status {
        return Ok(None);
    }
    // An approved one no longer published (it, or its case, archived) reads as taken down;
    // archiving or restoring a case announces its approved publications again.
    let published = publications::Entity::find_by_id(id)
        .filter(crate::service::published::condition())
        .one(db)
        .await?
        .is_some();
    let in_scope = match scope {
        Some(cond) => publications::Entity::find_by_id(id)
            .filter(cond)
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    Ok(Some(PublicationChange {
        row,
        published,
        in_scope,
    }))
}

/// A task's deadline, as the scheduler announced it.
pub struct TaskDeadline {
    task: tasks::Model,
    days_left: i64,
}

#[Object]
impl TaskDeadline {
    async fn task(&self) -> Task {
        Task(self.task.clone().into())
    }
    /// Days until the due date when announced (0: due today; negative: overdue).
    async fn days_left(&self) -> i64 {
        self.days_left
    }
    /// The task was overdue when announced.
    async fn overdue(&self) -> bool {
        self.days_left < 0
    }
}

/// A publication that was published or withdrawn.
pub struct PublicationChange {
    row: publications::Model,
    published: bool,
    in_scope: bool,
}

#[Object]
impl PublicationChange {
    /// The publication's id, as `publishedCases` and `publications` show it.
    async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Publication, self.row.id)
    }

    /// `true`: published now; `false`: withdrawn (take it down).
    async fn published(&self) -> bool {
        self.published
    }

    /// The summary as `publishedCases` shows it; `null` once withdrawn.
    async fn published_case(&self) -> Option<PublishedCase> {
        self.published.then(|| PublishedCase(self.row.clone()))
    }

    /// The publication itself, when it is in the viewer's scope of `publications`.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn publication(&self) -> Option<Publication> {
        self.in_scope.then(|| Publication(self.row.clone()))
    }
}
