//! Directives (văn bản chỉ đạo) with their citation graph, the tasks they assign, and
//! campaigns. Everyone but the press reads them; commune users see what concerns their commune.
//! The standing office writes them (see [`mutation`]); archived records leave the lists unless
//! asked for, and stay readable by id.

pub mod mutation;

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use entity::{campaigns, directives, task_updates, tasks};

use crate::domain::access::{DirectiveScope, directive_scope};
use crate::domain::vocab::{CommodityGroup, DirectiveType, TaskStatus, ViolationType};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{Date, Timestamp, db, loaders, viewer};
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::loaders::{children, many, one};
use crate::graphql::pagination::{
    add_range, date_cursor, decode_date_cursor, fetch_page, keyset_after, newest_first, page_size,
};
use crate::graphql::reference::Agency;
use crate::service::scopes;

#[derive(Default)]
pub struct DirectiveQuery;

/// Filters on tasks.
#[derive(InputObject, Default)]
pub struct TaskFilter {
    pub status: Option<Vec<TaskStatus>>,
    /// Tasks led or coordinated by this agency (code).
    pub agency: Option<String>,
    pub directive: Option<ID>,
    /// Only tasks past their due date and not done (or only those that are not).
    pub overdue: Option<bool>,
    pub due_from: Option<Date>,
    pub due_to: Option<Date>,
    /// Include archived tasks (default: no).
    pub include_archived: Option<bool>,
}

/// Keeps the directive ids the viewer may see: all of them, or for a commune user only those
/// in its scope (one statement), so the citation graph cannot be walked out of scope.
async fn visible_directives(ctx: &Context<'_>, ids: Vec<i64>) -> AppResult<Vec<i64>> {
    let v = viewer(ctx)?;
    if ids.is_empty() || matches!(directive_scope(v)?, DirectiveScope::All) {
        return Ok(ids);
    }
    let allowed: Vec<i64> = directives::Entity::find()
        .filter(scopes::directives(v)?)
        .filter(directives::Column::Id.is_in(ids.clone()))
        .all(db(ctx)?)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    Ok(ids.into_iter().filter(|id| allowed.contains(id)).collect())
}

/// The directives among `ids` the viewer may see, loaded in order (both directions of the
/// citation graph).
async fn visible_list(ctx: &Context<'_>, ids: Vec<i64>) -> Result<Vec<Directive>> {
    let ids = visible_directives(ctx, ids).await?;
    let rows = many(&loaders(ctx)?.directive, ids).await?;
    Ok(rows.into_iter().map(Directive).collect())
}

const OPEN: [&str; 2] = ["open", "in_progress"];

#[Object(visible = "crate::graphql::guards::not_press_visible")]
impl DirectiveQuery {
    /// Directives, newest first; optionally of one year or type.
    #[graphql(
        visible = "crate::graphql::guards::not_press_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn directives(
        &self,
        ctx: &Context<'_>,
        year: Option<i32>,
        #[graphql(name = "type")] doc_type: Option<DirectiveType>,
        #[graphql(desc = "Include archived directives (default: no)")] include_archived: Option<
            bool,
        >,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<DirectiveConnection> {
        let size = page_size(first)?;
        let mut cond = scopes::directives(viewer(ctx)?)?;
        if include_archived != Some(true) {
            cond = cond.add(directives::Column::ArchivedAt.is_null());
        }
        if let Some(year) = year {
            cond = cond.add(directives::Column::Year.eq(year));
        }
        if let Some(t) = doc_type {
            cond = cond.add(directives::Column::DocType.eq(t.as_str()));
        }
        let page = newest_first::<directives::Entity, _>(
            db(ctx)?,
            cond.clone(),
            directives::Column::IssuedOn,
            directives::Column::Id,
            after.as_deref(),
            size,
        )
        .await?;
        Ok(DirectiveConnection::page(page, &after, cond))
    }

    /// One directive by id (`NOT_FOUND` outside the viewer's scope).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn directive(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Directive>> {
        let cond = scopes::directives(viewer(ctx)?)?;
        let row = directives::Entity::find_by_id(parse_id(&id, NodeKind::Directive)?)
            .filter(cond)
            .one(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        match row {
            Some(d) => Ok(Some(Directive(d))),
            None => Err(AppError::NotFound("no such directive".into()).into()),
        }
    }

    /// Tasks, soonest due first. `overdue` is derived from today's date in Vietnam.
    #[graphql(
        visible = "crate::graphql::guards::not_press_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        filter: Option<TaskFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TaskConnection> {
        let size = page_size(first)?;
        let mut cond = scopes::tasks(viewer(ctx)?)?;
        let f = filter.unwrap_or_default();
        if f.include_archived != Some(true) {
            cond = cond.add(tasks::Column::ArchivedAt.is_null());
        }
        if let Some(status) = f.status.filter(|s| !s.is_empty()) {
            cond = cond.add(tasks::Column::Status.is_in(status.iter().map(|s| s.as_str())));
        }
        if let Some(code) = f.agency {
            let agency = entity::agencies::Entity::find()
                .filter(entity::agencies::Column::Code.eq(code))
                .one(db(ctx)?)
                .await
                .map_err(AppError::from)?;
            let Some(agency) = agency else {
                // No such agency: an empty page (and a count of zero).
                let none = Condition::all().add(tasks::Column::Id.lt(0));
                return Ok(TaskConnection::page((vec![], false), &after, none));
            };
            cond = cond.add(scopes::agency_tasks(agency.id));
        }
        if let Some(id) = f.directive {
            cond = cond.add(tasks::Column::DirectiveId.eq(parse_id(&id, NodeKind::Directive)?));
        }
        let today = crate::time::today();
        match f.overdue {
            Some(true) => {
                cond = cond
                    .add(tasks::Column::DueOn.lt(today))
                    .add(tasks::Column::Status.is_in(OPEN));
            }
            Some(false) => {
                cond = cond.add(
                    Condition::any()
                        .add(tasks::Column::DueOn.is_null())
                        .add(tasks::Column::DueOn.gte(today))
                        .add(tasks::Column::Status.is_not_in(OPEN)),
                );
            }
            None => {}
        }
        let due = [f.due_from.map(|d| d.0), f.due_to.map(|d| d.0)];
        cond = add_range(cond, tasks::Column::DueOn, due, ["dueFrom", "dueTo"], true)?;
        // Tasks without a due date sort last; the cursor carries the due date or, for
        // those, the greatest date, so one row-value comparison pages through both.
        let mut page = cond.clone();
        if let Some(c) = &after {
            let (date, id) = decode_date_cursor(c)?;
            page = page.add(if date == NO_DUE {
                Condition::all()
                    .add(tasks::Column::DueOn.is_null())
                    .add(tasks::Column::Id.gt(id))
            } else {
                Condition::any()
                    .add(keyset_after(
                        tasks::Column::DueOn,
                        tasks::Column::Id,
                        date,
                        id,
                        false,
                    ))
                    .add(tasks::Column::DueOn.is_null())
            });
        }
        let query = tasks::Entity::find()
            .filter(page)
            .order_by_with_nulls(
                tasks::Column::DueOn,
                sea_orm::Order::Asc,
                sea_orm::sea_query::NullOrdering::Last,
            )
            .order_by_asc(tasks::Column::Id);
        let page = fetch_page(db(ctx)?, query, size).await?;
        Ok(TaskConnection::page(page, &after, cond))
    }

    /// Campaigns (đợt cao điểm), latest first.
    #[graphql(
        visible = "crate::graphql::guards::not_press_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived campaigns (default: no)")] include_archived: Option<
            bool,
        >,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CampaignConnection> {
        let size = page_size(first)?;
        let mut cond = scopes::campaigns(viewer(ctx)?)?;
        if include_archived != Some(true) {
            cond = cond.add(campaigns::Column::ArchivedAt.is_null());
        }
        let page = newest_first::<campaigns::Entity, _>(
            db(ctx)?,
            cond.clone(),
            campaigns::Column::StartsOn,
            campaigns::Column::Id,
            after.as_deref(),
            size,
        )
        .await?;
        Ok(CampaignConnection::page(page, &after, cond))
    }
}

/// The cursor of a task without a due date (they sort last).
const NO_DUE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

crate::relay_connection!(
    DirectiveConnection,
    DirectiveEdge,
    Directive,
    directives::Entity,
    |d: &directives::Model| date_cursor(d.issued_on, d.id),
    visible = "crate::graphql::guards::not_press_visible"
);
crate::relay_connection!(
    TaskConnection,
    TaskEdge,
    Task,
    tasks::Entity,
    |t: &tasks::Model| date_cursor(t.due_on.unwrap_or(NO_DUE), t.id),
    visible = "crate::graphql::guards::not_press_visible"
);
crate::relay_connection!(
    CampaignConnection,
    CampaignEdge,
    Campaign,
    campaigns::Entity,
    |c: &campaigns::Model| date_cursor(c.starts_on, c.id),
    visible = "crate::graphql::guards::not_press_visible"
);

/// A directing document.
pub struct Directive(pub directives::Model);

#[Object(visible = "crate::graphql::guards::not_press_visible")]
impl Directive {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Directive, self.0.id)
    }
    /// Optimistic-concurrency version: pass it back to update the record.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was archived (`null` while current).
    async fn archived_at(&self) -> Option<Timestamp> {
        self.0.archived_at.map(Into::into)
    }
    /// The symbol as written, e.g. `341/TB-VPCP`.
    async fn symbol(&self) -> &str {
        &self.0.symbol
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    #[graphql(name = "type")]
    async fn doc_type(&self) -> Result<DirectiveType> {
        Ok(DirectiveType::from_db(&self.0.doc_type)?)
    }
    /// Issuer abbreviation (TTg, VPCP, UBND…).
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    async fn issuer_name(&self) -> &str {
        &self.0.issuer_name
    }
    /// Drafting unit of a công văn (e.g. `V.I` in `11554/VPCP-V.I`).
    async fn drafting_unit(&self) -> Option<&str> {
        self.0.drafting_unit.as_deref()
    }
    async fn issued_on(&self) -> Date {
        self.0.issued_on.into()
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn valid_from(&self) -> Option<Date> {
        self.0.valid_from.map(Into::into)
    }
    async fn valid_until(&self) -> Option<Date> {
        self.0.valid_until.map(Into::into)
    }
    /// Directives this one cites (căn cứ).
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn cites(&self, ctx: &Context<'_>) -> Result<Vec<Directive>> {
        let links = children(&loaders(ctx)?.cites, self.0.id).await?;
        visible_list(ctx, links.into_iter().map(|c| c.cited_id).collect()).await
    }
    /// Directives citing this one.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn cited_by(&self, ctx: &Context<'_>) -> Result<Vec<Directive>> {
        let links = children(&loaders(ctx)?.cited_by, self.0.id).await?;
        visible_list(ctx, links.into_iter().map(|c| c.directive_id).collect()).await
    }
    /// Tasks this directive assigns (for a commune user: those concerning its commune).
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn tasks(&self, ctx: &Context<'_>) -> Result<Vec<Task>> {
        let v = viewer(ctx)?;
        let rows = children(&loaders(ctx)?.tasks, self.0.id).await?;
        let DirectiveScope::CommuneAgency { agency_id, .. } = directive_scope(v)? else {
            return Ok(rows.into_iter().map(Task).collect());
        };
        // One batched load of all the tasks' coordinators, not one per task.
        let links = loaders(ctx)?
            .task_coordinators
            .load_many(rows.iter().map(|t| t.id))
            .await
            .map_err(AppError::from)?;
        let mut out = Vec::with_capacity(rows.len());
        for t in rows {
            let coordinates = links
                .get(&t.id)
                .is_some_and(|l| l.iter().any(|c| c.agency_id == agency_id));
            if t.lead_agency_id == agency_id || coordinates {
                out.push(Task(t));
            }
        }
        Ok(out)
    }
}

/// A task (nhiệm vụ) assigned by a directive.
pub struct Task(pub Arc<tasks::Model>);

impl Task {
    fn is_open(&self) -> bool {
        OPEN.contains(&self.0.status.as_str())
    }
}

#[Object(visible = "crate::graphql::guards::not_press_visible")]
impl Task {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Task, self.0.id)
    }
    /// Optimistic-concurrency version: pass it back to update the record.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was archived (`null` while current).
    async fn archived_at(&self) -> Option<Timestamp> {
        self.0.archived_at.map(Into::into)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn directive(&self, ctx: &Context<'_>) -> Result<Option<Directive>> {
        Ok(one(&loaders(ctx)?.directive, self.0.directive_id)
            .await?
            .map(Directive))
    }
    /// The lead agency (chủ trì).
    async fn lead_agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(&loaders(ctx)?.agency, self.0.lead_agency_id)
            .await?
            .map(Agency))
    }
    /// Coordinating agencies (phối hợp).
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn coordinating_agencies(&self, ctx: &Context<'_>) -> Result<Vec<Agency>> {
        let l = loaders(ctx)?;
        let ids = children(&l.task_coordinators, self.0.id)
            .await?
            .into_iter()
            .map(|c| c.agency_id)
            .collect();
        Ok(many(&l.agency, ids)
            .await?
            .into_iter()
            .map(Agency)
            .collect())
    }
    /// Deadline ("chậm nhất ngày …"); `null` for a recurring task.
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Into::into)
    }
    /// For a monthly task: the day of the month it is due before (e.g. 17).
    async fn recurrence_day(&self) -> Option<i32> {
        self.0.recurrence_day
    }
    /// The next deadline of a recurring task, from today in Vietnam.
    async fn next_due_on(&self) -> Option<Date> {
        let day = self.0.recurrence_day? as u32;
        let today = crate::time::today();
        let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), day);
        match this_month {
            Some(d) if d >= today => Some(d.into()),
            _ => {
                let (y, m) = if today.month() == 12 {
                    (today.year() + 1, 1)
                } else {
                    (today.year(), today.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, day).map(Into::into)
            }
        }
    }
    async fn status(&self) -> Result<TaskStatus> {
        Ok(TaskStatus::from_db(&self.0.status)?)
    }
    async fn completed_on(&self) -> Option<Date> {
        self.0.completed_on.map(Into::into)
    }
    /// Past its due date and not done: derived from today's date, never stored.
    async fn overdue(&self) -> bool {
        self.is_open() && self.0.due_on.is_some_and(|d| d < crate::time::today())
    }
    /// Days past the deadline: for an open task up to today, for a done one up to completion.
    async fn days_late(&self) -> i64 {
        let Some(due) = self.0.due_on else { return 0 };
        let end = if self.is_open() {
            Some(crate::time::today())
        } else {
            self.0.completed_on
        };
        end.map(|e| std::cmp::max((e - due).num_days(), 0))
            .unwrap_or(0)
    }
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn updates(&self, ctx: &Context<'_>) -> Result<Vec<TaskUpdate>> {
        Ok(children(&loaders(ctx)?.task_updates, self.0.id)
            .await?
            .into_iter()
            .map(TaskUpdate)
            .collect())
    }
}

/// A progress update on a task.
pub struct TaskUpdate(pub Arc<task_updates::Model>);

#[Object(visible = "crate::graphql::guards::not_press_visible")]
impl TaskUpdate {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(&loaders(ctx)?.agency, self.0.agency_id)
            .await?
            .map(Agency))
    }
    async fn posted_at(&self) -> Timestamp {
        self.0.posted_at.into()
    }
    async fn note(&self) -> &str {
        &self.0.note
    }
    async fn progress_percent(&self) -> Option<i32> {
        self.0.progress_percent
    }
}

/// A peak campaign (đợt cao điểm).
pub struct Campaign(pub campaigns::Model);

fn split_list<T>(s: &str, parse: fn(&str) -> AppResult<T>) -> AppResult<Vec<T>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse)
        .collect()
}

#[Object(visible = "crate::graphql::guards::not_press_visible")]
impl Campaign {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::Campaign, self.0.id)
    }
    /// Optimistic-concurrency version: pass it back to update the record.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was archived (`null` while current).
    async fn archived_at(&self) -> Option<Timestamp> {
        self.0.archived_at.map(Into::into)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn starts_on(&self) -> Date {
        self.0.starts_on.into()
    }
    async fn ends_on(&self) -> Date {
        self.0.ends_on.into()
    }
    /// Running today (in Vietnam).
    async fn in_progress(&self) -> bool {
        let today = crate::time::today();
        self.0.starts_on <= today && today <= self.0.ends_on
    }
    /// The directive that launched it.
    async fn directive(&self, ctx: &Context<'_>) -> Result<Option<Directive>> {
        let Some(id) = self.0.directive_id else {
            return Ok(None);
        };
        if visible_directives(ctx, vec![id]).await?.is_empty() {
            return Ok(None);
        }
        Ok(one(&loaders(ctx)?.directive, id).await?.map(Directive))
    }
    async fn focus_commodity_groups(&self) -> Result<Vec<CommodityGroup>> {
        Ok(split_list(
            &self.0.focus_commodity_groups,
            CommodityGroup::from_db,
        )?)
    }
    async fn focus_violation_types(&self) -> Result<Vec<ViolationType>> {
        Ok(split_list(
            &self.0.focus_violation_types,
            ViolationType::from_db,
        )?)
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}
