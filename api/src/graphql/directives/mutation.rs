//! Writing directives, tasks and campaigns. The standing office manages them (DOMAIN.md: "the
//! standing office manages directives, tasks, campaigns"); every agency reports progress on the
//! tasks it leads or coordinates, and the lead agency completes them. Each mutation is one
//! transaction with its audit event; updates carry the version the client read; creations take
//! an idempotency key.

use std::collections::{BTreeSet, HashSet};

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};

use entity::{campaigns, directive_citations, directives, task_coordinators, task_updates, tasks};

use super::{Campaign, Directive, Task};
use crate::domain::access::{Action, acting_agency, check};
use crate::domain::symbol::{ParsedSymbol, parse_symbol};
use crate::domain::vocab::{CommodityGroup, TaskStatus, ViolationType};
use crate::error::{AppError, AppResult};
use crate::graphql::context::viewer;
use crate::graphql::ids::parse_id;
use crate::graphql::workflow::{key_of, writer};
use crate::service::case_write::{agency_by_code, check_past_date, optional_text, required_text};
use crate::service::write::{Done, write, write_once};
use crate::versioned_update;

#[derive(Default)]
pub struct DirectiveMutation;

/// A directing document to register.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct NewDirectiveInput {
    /// The symbol as written: `341/TB-VPCP`, `13/CT-TTg`, `38/CĐ-TTg`, `20/2016/QĐ-TTg`,
    /// `13-CT/TU`, or a công văn's `11554/VPCP-V.I` (issuer - drafting unit).
    pub symbol: String,
    /// The issuer's full name, e.g. "Văn phòng Chính phủ".
    pub issuer_name: String,
    /// Date of issue; its year is part of the directive's key.
    pub issued_on: NaiveDate,
    pub title: String,
    pub valid_from: Option<NaiveDate>,
    /// Last day in force (a plan "runs until 14/12/2025").
    pub valid_until: Option<NaiveDate>,
    /// Directives it cites (căn cứ), by id.
    pub cites: Option<Vec<ID>>,
}

/// Changes to a directive; absent fields stay as they are, `null` clears a clearable one.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct DirectivePatch {
    pub symbol: Option<String>,
    pub issuer_name: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub valid_from: MaybeUndefined<NaiveDate>,
    pub valid_until: MaybeUndefined<NaiveDate>,
    /// Replaces the directives it cites.
    pub cites: Option<Vec<ID>>,
}

/// A task assigned by a directive: a deadline (`dueOn`) or a monthly recurrence
/// (`recurrenceDay`), exactly one of them.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct NewTaskInput {
    /// The directive assigning it.
    pub directive: ID,
    pub text: String,
    /// Code of the lead agency (chủ trì).
    pub lead_agency: String,
    /// Codes of the coordinating agencies (phối hợp).
    pub coordinating_agencies: Option<Vec<String>>,
    /// Deadline ("chậm nhất ngày 22/5/2026").
    pub due_on: Option<NaiveDate>,
    /// For a monthly task: the day of the month it is due before (1 to 28).
    pub recurrence_day: Option<i32>,
}

/// Changes to a task; absent fields stay as they are. Setting `dueOn` makes the task a
/// one-off (clearing its recurrence), setting `recurrenceDay` makes it monthly.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct TaskPatch {
    pub text: Option<String>,
    pub lead_agency: Option<String>,
    /// Replaces the coordinating agencies (codes).
    pub coordinating_agencies: Option<Vec<String>>,
    pub due_on: Option<NaiveDate>,
    pub recurrence_day: Option<i32>,
    /// OPEN, IN_PROGRESS or CANCELLED (DONE is `completeTask`, by the lead agency).
    pub status: Option<TaskStatus>,
}

/// A peak campaign (đợt cao điểm) to create.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct NewCampaignInput {
    /// Upper-case code, e.g. `SHTT_2026`.
    pub code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The directive launching it.
    pub directive: Option<ID>,
    pub focus_commodity_groups: Vec<CommodityGroup>,
    pub focus_violation_types: Vec<ViolationType>,
    pub description: Option<String>,
}

/// Changes to a campaign; absent fields stay as they are, `null` clears a clearable one.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct CampaignPatch {
    pub name: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub directive: MaybeUndefined<ID>,
    pub focus_commodity_groups: Option<Vec<CommodityGroup>>,
    pub focus_violation_types: Option<Vec<ViolationType>>,
    pub description: MaybeUndefined<String>,
}

async fn load_directive<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<directives::Model> {
    crate::service::rows::by_id::<directives::Entity, _>(conn, id, "directive").await
}

async fn load_task<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<tasks::Model> {
    crate::service::rows::by_id::<tasks::Entity, _>(conn, id, "task").await
}

async fn load_campaign<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<campaigns::Model> {
    crate::service::rows::by_id::<campaigns::Entity, _>(conn, id, "campaign").await
}

/// Parses the symbol and checks it agrees with the issue date.
fn symbol_parts(symbol: &str, issued_on: NaiveDate) -> AppResult<ParsedSymbol> {
    let symbol = required_text("symbol", symbol, 100)?;
    let parsed = parse_symbol(&symbol)?;
    if let Some(y) = parsed.year {
        if y != issued_on.year() {
            return Err(AppError::bad_input(
                "the year written in `symbol` differs from the year of `issuedOn`",
            ));
        }
    }
    Ok(parsed)
}

fn check_window(field: &str, from: Option<NaiveDate>, until: Option<NaiveDate>) -> AppResult<()> {
    // Within the calendar's years, so statistics over the window can always be computed.
    for d in [from, until].into_iter().flatten() {
        crate::domain::calendar::check_year(chrono::Datelike::year(&d))?;
    }
    match (from, until) {
        (Some(a), Some(b)) if b < a => Err(AppError::bad_input(format!(
            "`{field}` ends before it starts"
        ))),
        _ => Ok(()),
    }
}

/// Issuer, year, number and type identify a directive (numbers restart each year).
async fn check_unique_directive<C: ConnectionTrait>(
    conn: &C,
    p: &ParsedSymbol,
    year: i32,
    except: Option<i64>,
) -> AppResult<()> {
    let mut q = directives::Entity::find()
        .filter(directives::Column::Issuer.eq(p.issuer.as_str()))
        .filter(directives::Column::Year.eq(year))
        .filter(directives::Column::Number.eq(p.number))
        .filter(directives::Column::DocType.eq(p.doc_type.as_str()));
    if let Some(id) = except {
        q = q.filter(directives::Column::Id.ne(id));
    }
    if let Some(existing) = q.one(conn).await? {
        return Err(AppError::Conflict(format!(
            "{} of {year} is already registered (directive {}{})",
            p.symbol,
            existing.id,
            if existing.archived_at.is_some() {
                ", archived: restore it instead"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

fn ids_of(field: &str, ids: &[ID], max: usize) -> AppResult<Vec<i64>> {
    if ids.len() > max {
        return Err(AppError::bad_input(format!(
            "`{field}` takes at most {max} entries"
        )));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let id = parse_id(id)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Replaces what directive `id` cites.
async fn set_citations(txn: &DatabaseTransaction, id: i64, cites: &[ID]) -> AppResult<()> {
    let cited = ids_of("cites", cites, 100)?;
    if cited.contains(&id) {
        return Err(AppError::bad_input("a directive cannot cite itself"));
    }
    let found = directives::Entity::find()
        .filter(directives::Column::Id.is_in(cited.clone()))
        .all(txn)
        .await?;
    if found.len() != cited.len() {
        return Err(AppError::bad_input(
            "`cites` names a directive that does not exist",
        ));
    }
    directive_citations::Entity::delete_many()
        .filter(directive_citations::Column::DirectiveId.eq(id))
        .exec(txn)
        .await?;
    if !cited.is_empty() {
        directive_citations::Entity::insert_many(cited.into_iter().map(|c| {
            directive_citations::ActiveModel {
                directive_id: Set(id),
                cited_id: Set(c),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// A directive cites only documents issued on or before it, and the citation graph has no
/// cycle (possible only among documents of one day once dates are checked).
async fn check_citations(txn: &DatabaseTransaction, d: &directives::Model) -> AppResult<()> {
    let cites: Vec<i64> = directive_citations::Entity::find()
        .filter(directive_citations::Column::DirectiveId.eq(d.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.cited_id)
        .collect();
    let cited_by: Vec<i64> = directive_citations::Entity::find()
        .filter(directive_citations::Column::CitedId.eq(d.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.directive_id)
        .collect();
    let later = directives::Entity::find()
        .filter(directives::Column::Id.is_in(cites.clone()))
        .filter(directives::Column::IssuedOn.gt(d.issued_on))
        .one(txn)
        .await?;
    if later.is_some() {
        return Err(AppError::bad_input(
            "a directive cannot cite one issued after it (`cites` / `issuedOn`)",
        ));
    }
    let earlier = directives::Entity::find()
        .filter(directives::Column::Id.is_in(cited_by))
        .filter(directives::Column::IssuedOn.lt(d.issued_on))
        .one(txn)
        .await?;
    if earlier.is_some() {
        return Err(AppError::bad_input(
            "`issuedOn` would fall after a directive that cites this one",
        ));
    }
    // Walk what it cites, transitively; reaching itself is a cycle.
    let mut seen: HashSet<i64> = HashSet::new();
    let mut frontier: Vec<i64> = cites;
    while !frontier.is_empty() {
        if frontier.contains(&d.id) {
            return Err(AppError::bad_input(
                "`cites` would make a directive cite itself through others",
            ));
        }
        seen.extend(frontier.iter().copied());
        frontier = directive_citations::Entity::find()
            .filter(directive_citations::Column::DirectiveId.is_in(frontier))
            .all(txn)
            .await?
            .into_iter()
            .map(|c| c.cited_id)
            .filter(|c| !seen.contains(c))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    Ok(())
}

/// Exactly one of a deadline or a monthly day, the deadline not before the directive.
fn check_schedule(
    due_on: Option<NaiveDate>,
    recurrence_day: Option<i32>,
    directive: &directives::Model,
) -> AppResult<()> {
    match (due_on, recurrence_day) {
        (Some(_), Some(_)) | (None, None) => Err(AppError::bad_input(
            "give exactly one of `dueOn` (a deadline) or `recurrenceDay` (monthly)",
        )),
        (None, Some(day)) if !(1..=28).contains(&day) => Err(AppError::bad_input(
            "`recurrenceDay` must be between 1 and 28 (every month has it)",
        )),
        (Some(d), None) if d < directive.issued_on => Err(AppError::bad_input(
            "`dueOn` is before the directive was issued",
        )),
        _ => Ok(()),
    }
}

/// Replaces a task's coordinating agencies; the lead cannot also coordinate.
async fn set_task_coordinators<C: ConnectionTrait>(
    conn: &C,
    task_id: i64,
    lead: i64,
    codes: &[String],
) -> AppResult<()> {
    if codes.len() > 50 {
        return Err(AppError::bad_input(
            "`coordinatingAgencies` takes at most 50 agencies",
        ));
    }
    let mut ids = vec![];
    for code in codes {
        let a = agency_by_code(conn, code.trim()).await?;
        if a.id == lead {
            return Err(AppError::bad_input(
                "the lead agency cannot also coordinate",
            ));
        }
        if !ids.contains(&a.id) {
            ids.push(a.id);
        }
    }
    task_coordinators::Entity::delete_many()
        .filter(task_coordinators::Column::TaskId.eq(task_id))
        .exec(conn)
        .await?;
    if !ids.is_empty() {
        task_coordinators::Entity::insert_many(ids.into_iter().map(|a| {
            task_coordinators::ActiveModel {
                task_id: Set(task_id),
                agency_id: Set(a),
            }
        }))
        .exec(conn)
        .await?;
    }
    Ok(())
}

fn is_open(t: &tasks::Model) -> bool {
    t.status == TaskStatus::Open.as_str() || t.status == TaskStatus::InProgress.as_str()
}

fn task_not_archived(t: &tasks::Model) -> AppResult<()> {
    if t.archived_at.is_some() {
        Err(AppError::bad_input(
            "the task is archived; restore it first",
        ))
    } else {
        Ok(())
    }
}

/// A campaign code: upper-case letters, digits and `_`, starting with a letter.
fn campaign_code(code: &str) -> AppResult<String> {
    let c = code.trim();
    let ok = (2..=50).contains(&c.len())
        && c.starts_with(|ch: char| ch.is_ascii_uppercase())
        && c.chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_');
    if ok {
        Ok(c.to_string())
    } else {
        Err(AppError::bad_input(
            "`code` must be 2 to 50 upper-case letters, digits or `_`, starting with a letter (e.g. SHTT_2026)",
        ))
    }
}

fn join_list<T: Copy + PartialEq>(items: &[T], as_str: fn(T) -> &'static str) -> String {
    let mut seen: Vec<T> = vec![];
    for &i in items {
        if !seen.contains(&i) {
            seen.push(i);
        }
    }
    seen.into_iter().map(as_str).collect::<Vec<_>>().join(",")
}

async fn live_directive<C: ConnectionTrait>(conn: &C, id: &ID) -> AppResult<directives::Model> {
    let d = directives::Entity::find_by_id(parse_id(id)?)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input("`directive` names a directive that does not exist"))?;
    if d.archived_at.is_some() {
        return Err(AppError::bad_input(
            "the directive is archived; restore it first",
        ));
    }
    Ok(d)
}

/// Only the lead and coordinating agencies report on a task.
async fn check_reporter(txn: &DatabaseTransaction, t: &tasks::Model, agency: i64) -> AppResult<()> {
    let coordinates = task_coordinators::Entity::find()
        .filter(task_coordinators::Column::TaskId.eq(t.id))
        .filter(task_coordinators::Column::AgencyId.eq(agency))
        .one(txn)
        .await?
        .is_some();
    if t.lead_agency_id != agency && !coordinates {
        return Err(AppError::forbidden(
            "only the lead and coordinating agencies report on a task",
        ));
    }
    Ok(())
}

#[Object]
impl DirectiveMutation {
    /// Registers a directing document (standing office). The symbol is parsed into number,
    /// type, issuer and drafting unit; issuer, year, number and type must be new (`CONFLICT`).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn register_directive(
        &self,
        ctx: &Context<'_>,
        input: NewDirectiveInput,
        idempotency_key: Option<String>,
    ) -> Result<Directive> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "registerDirective")?;
        let d = write(
            &writer(ctx)?,
            "registerDirective",
            keyed,
            async |txn, id| load_directive(txn, id).await,
            async |txn| {
                let p = symbol_parts(&input.symbol, input.issued_on)?;
                check_past_date("issuedOn", input.issued_on)?;
                check_window(
                    "validFrom`/`validUntil",
                    input.valid_from,
                    input.valid_until,
                )?;
                let issuer_name = required_text("issuerName", &input.issuer_name, 300)?;
                let title = required_text("title", &input.title, 2000)?;
                let year = input.issued_on.year();
                check_unique_directive(txn, &p, year, None).await?;
                let d = directives::ActiveModel {
                    symbol: Set(p.symbol.clone()),
                    number: Set(p.number),
                    doc_type: Set(p.doc_type.as_str().into()),
                    issuer: Set(p.issuer.clone()),
                    drafting_unit: Set(p.drafting_unit.clone()),
                    issuer_name: Set(issuer_name),
                    issued_on: Set(input.issued_on),
                    year: Set(year),
                    title: Set(title),
                    valid_from: Set(input.valid_from),
                    valid_until: Set(input.valid_until),
                    created_at: Set(chrono::Utc::now()),
                    version: Set(1),
                    archived_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(AppError::from)?;
                set_citations(txn, d.id, input.cites.as_deref().unwrap_or_default()).await?;
                check_citations(txn, &d).await?;
                Ok(Done::of(d))
            },
        )
        .await?;
        Ok(Directive(d))
    }

    /// Corrects a directive (standing office). A new symbol or date is re-parsed and must stay
    /// unique; `cites` replaces the citations.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn update_directive(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: DirectivePatch,
    ) -> Result<Directive> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let id = parse_id(&id)?;
        let d = write_once(&writer(ctx)?, "updateDirective", async |txn| {
            let d = load_directive(txn, id).await?;
            let issued_on = input.issued_on.unwrap_or(d.issued_on);
            let symbol = input.symbol.as_deref().unwrap_or(&d.symbol);
            let mut am = <directives::ActiveModel as Default>::default();
            if input.symbol.is_some() || input.issued_on.is_some() {
                let p = symbol_parts(symbol, issued_on)?;
                check_past_date("issuedOn", issued_on)?;
                check_unique_directive(txn, &p, issued_on.year(), Some(id)).await?;
                am.symbol = Set(p.symbol.clone());
                am.number = Set(p.number);
                am.doc_type = Set(p.doc_type.as_str().into());
                am.issuer = Set(p.issuer.clone());
                am.drafting_unit = Set(p.drafting_unit.clone());
                am.issued_on = Set(issued_on);
                am.year = Set(issued_on.year());
            }
            if let Some(n) = &input.issuer_name {
                am.issuer_name = Set(required_text("issuerName", n, 300)?);
            }
            if let Some(t) = &input.title {
                am.title = Set(required_text("title", t, 2000)?);
            }
            let pick = |patch: &MaybeUndefined<NaiveDate>, old: Option<NaiveDate>| match patch {
                MaybeUndefined::Undefined => old,
                MaybeUndefined::Null => None,
                MaybeUndefined::Value(d) => Some(*d),
            };
            let valid_from = pick(&input.valid_from, d.valid_from);
            let valid_until = pick(&input.valid_until, d.valid_until);
            check_window("validFrom`/`validUntil", valid_from, valid_until)?;
            if !input.valid_from.is_undefined() {
                am.valid_from = Set(valid_from);
            }
            if !input.valid_until.is_undefined() {
                am.valid_until = Set(valid_until);
            }
            versioned_update!(txn, directives, am, id, version)?;
            if let Some(cites) = &input.cites {
                set_citations(txn, id, cites).await?;
            }
            let d = load_directive(txn, id).await?;
            check_citations(txn, &d).await?;
            Ok(Done::of(d))
        })
        .await?;
        Ok(Directive(d))
    }

    /// Archives (`archived: true`) or restores a directive (standing office). Nothing is
    /// deleted; an archived directive leaves the lists and takes no new tasks.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_directive_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Directive> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let id = parse_id(&id)?;
        let op = if archived {
            "archiveDirective"
        } else {
            "restoreDirective"
        };
        let d = write_once(&writer(ctx)?, op, async |txn| {
            load_directive(txn, id).await?;
            let am = directives::ActiveModel {
                archived_at: Set(archived.then(chrono::Utc::now)),
                ..Default::default()
            };
            versioned_update!(txn, directives, am, id, version)?;
            let d = load_directive(txn, id).await?;
            Ok(Done::of(d))
        })
        .await?;
        Ok(Directive(d))
    }

    /// Assigns a task from a directive (standing office): a lead agency, coordinating
    /// agencies, and a deadline or a monthly recurrence.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn assign_task(
        &self,
        ctx: &Context<'_>,
        input: NewTaskInput,
        idempotency_key: Option<String>,
    ) -> Result<Task> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "assignTask")?;
        let t = write(
            &writer(ctx)?,
            "assignTask",
            keyed,
            async |txn, id| load_task(txn, id).await,
            async |txn| {
                let directive = live_directive(txn, &input.directive).await?;
                check_schedule(input.due_on, input.recurrence_day, &directive)?;
                let text = required_text("text", &input.text, 5000)?;
                let lead = agency_by_code(txn, input.lead_agency.trim()).await?;
                let now = chrono::Utc::now();
                let t = tasks::ActiveModel {
                    directive_id: Set(directive.id),
                    text: Set(text),
                    lead_agency_id: Set(lead.id),
                    due_on: Set(input.due_on),
                    recurrence_day: Set(input.recurrence_day),
                    status: Set(TaskStatus::Open.as_str().into()),
                    completed_on: Set(None),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    archived_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(AppError::from)?;
                set_task_coordinators(
                    txn,
                    t.id,
                    lead.id,
                    input.coordinating_agencies.as_deref().unwrap_or_default(),
                )
                .await?;
                Ok(Done::of(t))
            },
        )
        .await?;
        Ok(Task(t))
    }

    /// Changes a task (standing office): text, agencies, schedule, or its status (reopen,
    /// cancel). Completing is the lead agency's `completeTask`.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn update_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: TaskPatch,
    ) -> Result<Task> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let id = parse_id(&id)?;
        let t = write_once(&writer(ctx)?, "updateTask", async |txn| {
            let t = load_task(txn, id).await?;
            task_not_archived(&t)?;
            let mut am = tasks::ActiveModel {
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            };
            if let Some(text) = &input.text {
                am.text = Set(required_text("text", text, 5000)?);
            }
            if input.due_on.is_some() || input.recurrence_day.is_some() {
                let directive = load_directive(txn, t.directive_id).await?;
                check_schedule(input.due_on, input.recurrence_day, &directive)?;
                am.due_on = Set(input.due_on);
                am.recurrence_day = Set(input.recurrence_day);
            }
            let mut lead = t.lead_agency_id;
            if let Some(code) = &input.lead_agency {
                lead = agency_by_code(txn, code.trim()).await?.id;
                am.lead_agency_id = Set(lead);
            }
            if let Some(status) = input.status {
                match status {
                    TaskStatus::Done => {
                        return Err(AppError::bad_input(
                            "the lead agency marks a task done with completeTask",
                        ));
                    }
                    TaskStatus::Open | TaskStatus::InProgress | TaskStatus::Cancelled => {
                        am.status = Set(status.as_str().into());
                        am.completed_on = Set(None);
                    }
                }
            }
            versioned_update!(txn, tasks, am, id, version)?;
            match &input.coordinating_agencies {
                Some(codes) => set_task_coordinators(txn, id, lead, codes).await?,
                None if lead != t.lead_agency_id => {
                    // The new lead no longer coordinates.
                    task_coordinators::Entity::delete_many()
                        .filter(task_coordinators::Column::TaskId.eq(id))
                        .filter(task_coordinators::Column::AgencyId.eq(lead))
                        .exec(txn)
                        .await
                        .map_err(AppError::from)?;
                }
                None => {}
            }
            let t = load_task(txn, id).await?;
            Ok(Done::of(t))
        })
        .await?;
        Ok(Task(t))
    }

    /// Archives (`archived: true`) or restores a task (standing office). Nothing is deleted.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_task_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Task> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let id = parse_id(&id)?;
        let op = if archived {
            "archiveTask"
        } else {
            "restoreTask"
        };
        let t = write_once(&writer(ctx)?, op, async |txn| {
            load_task(txn, id).await?;
            let am = tasks::ActiveModel {
                archived_at: Set(archived.then(chrono::Utc::now)),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            };
            versioned_update!(txn, tasks, am, id, version)?;
            let t = load_task(txn, id).await?;
            Ok(Done::of(t))
        })
        .await?;
        Ok(Task(t))
    }

    /// Reports progress on a task, by an agency that leads or coordinates it. The first
    /// report moves an open task to IN_PROGRESS.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn post_task_update(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        note: String,
        #[graphql(desc = "Progress, 0 to 100")] progress_percent: Option<i32>,
        idempotency_key: Option<String>,
    ) -> Result<Task> {
        let v = viewer(ctx)?;
        let agency = acting_agency(v, Action::ReportOnTasks)?;
        let id = parse_id(&task_id)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "postTaskUpdate")?;
        let t = write(
            &writer(ctx)?,
            "postTaskUpdate",
            keyed,
            async |txn, _| {
                let t = load_task(txn, id).await?;
                check_reporter(txn, &t, agency).await?;
                Ok(t)
            },
            async |txn| {
                let t = load_task(txn, id).await?;
                check_reporter(txn, &t, agency).await?;
                task_not_archived(&t)?;
                if !is_open(&t) {
                    return Err(AppError::bad_input(format!(
                        "the task is {}; reopen it before reporting on it",
                        t.status
                    )));
                }
                if let Some(p) = progress_percent
                    && !(0..=100).contains(&p)
                {
                    return Err(AppError::bad_input(
                        "`progressPercent` must be between 0 and 100",
                    ));
                }
                task_updates::ActiveModel {
                    task_id: Set(id),
                    agency_id: Set(agency),
                    posted_at: Set(chrono::Utc::now()),
                    note: Set(required_text("note", &note, 5000)?),
                    progress_percent: Set(progress_percent),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                if t.status == TaskStatus::Open.as_str() {
                    tasks::Entity::update_many()
                        .col_expr(
                            tasks::Column::Status,
                            Expr::value(TaskStatus::InProgress.as_str()),
                        )
                        .col_expr(
                            tasks::Column::Version,
                            Expr::col(tasks::Column::Version).add(1),
                        )
                        .col_expr(tasks::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
                        .filter(tasks::Column::Id.eq(id))
                        .filter(tasks::Column::Status.eq(TaskStatus::Open.as_str()))
                        .exec(txn)
                        .await?;
                }
                let t = load_task(txn, id).await?;
                Ok(Done::of(t))
            },
        )
        .await?;
        Ok(Task(t))
    }

    /// Marks a task done, by its lead agency. `completedOn` defaults to today in Vietnam and
    /// may not be in the future.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn complete_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        completed_on: Option<NaiveDate>,
    ) -> Result<Task> {
        let v = viewer(ctx)?;
        let agency = acting_agency(v, Action::ReportOnTasks)?;
        let id = parse_id(&id)?;
        let t = write_once(&writer(ctx)?, "completeTask", async |txn| {
            let t = load_task(txn, id).await?;
            if t.lead_agency_id != agency {
                return Err(AppError::forbidden("only the lead agency completes a task"));
            }
            task_not_archived(&t)?;
            if !is_open(&t) {
                return Err(AppError::bad_input(format!(
                    "the task is {}; only an open or in-progress task can be completed",
                    t.status
                )));
            }
            let day = completed_on.unwrap_or_else(crate::time::today);
            check_past_date("completedOn", day)?;
            let directive = load_directive(txn, t.directive_id).await?;
            if day < directive.issued_on {
                return Err(AppError::bad_input(
                    "`completedOn` is before the directive was issued",
                ));
            }
            let am = tasks::ActiveModel {
                status: Set(TaskStatus::Done.as_str().into()),
                completed_on: Set(Some(day)),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            };
            versioned_update!(txn, tasks, am, id, version)?;
            let t = load_task(txn, id).await?;
            Ok(Done::of(t))
        })
        .await?;
        Ok(Task(t))
    }

    /// Creates a peak campaign (standing office).
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: NewCampaignInput,
        idempotency_key: Option<String>,
    ) -> Result<Campaign> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createCampaign")?;
        let c = write(
            &writer(ctx)?,
            "createCampaign",
            keyed,
            async |txn, id| load_campaign(txn, id).await,
            async |txn| {
                let code = campaign_code(&input.code)?;
                check_window(
                    "startsOn`/`endsOn",
                    Some(input.starts_on),
                    Some(input.ends_on),
                )?;
                let directive = match &input.directive {
                    Some(d) => Some(live_directive(txn, d).await?.id),
                    None => None,
                };
                let taken = campaigns::Entity::find()
                    .filter(campaigns::Column::Code.eq(code.as_str()))
                    .one(txn)
                    .await
                    .map_err(AppError::from)?;
                if taken.is_some() {
                    return Err(AppError::Conflict(format!(
                        "campaign code {code} is already used"
                    )));
                }
                let c = campaigns::ActiveModel {
                    code: Set(code),
                    name: Set(required_text("name", &input.name, 500)?),
                    starts_on: Set(input.starts_on),
                    ends_on: Set(input.ends_on),
                    directive_id: Set(directive),
                    focus_commodity_groups: Set(join_list(
                        &input.focus_commodity_groups,
                        CommodityGroup::as_str,
                    )),
                    focus_violation_types: Set(join_list(
                        &input.focus_violation_types,
                        ViolationType::as_str,
                    )),
                    description: Set(optional_text(
                        "description",
                        input.description.as_deref(),
                        5000,
                    )?),
                    version: Set(1),
                    archived_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(AppError::from)?;
                Ok(Done::of(c))
            },
        )
        .await?;
        Ok(Campaign(c))
    }

    /// Changes a campaign (standing office). Its code, used by cases, stays.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CampaignPatch,
    ) -> Result<Campaign> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let id = parse_id(&id)?;
        let c = write_once(&writer(ctx)?, "updateCampaign", async |txn| {
            let c = load_campaign(txn, id).await?;
            let starts = input.starts_on.unwrap_or(c.starts_on);
            let ends = input.ends_on.unwrap_or(c.ends_on);
            check_window("startsOn`/`endsOn", Some(starts), Some(ends))?;
            let mut am = campaigns::ActiveModel {
                starts_on: Set(starts),
                ends_on: Set(ends),
                ..Default::default()
            };
            if let Some(n) = &input.name {
                am.name = Set(required_text("name", n, 500)?);
            }
            match &input.directive {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => am.directive_id = Set(None),
                MaybeUndefined::Value(d) => {
                    am.directive_id = Set(Some(live_directive(txn, d).await?.id))
                }
            }
            if let Some(g) = &input.focus_commodity_groups {
                am.focus_commodity_groups = Set(join_list(g, CommodityGroup::as_str));
            }
            if let Some(t) = &input.focus_violation_types {
                am.focus_violation_types = Set(join_list(t, ViolationType::as_str));
            }
            match &input.description {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => am.description = Set(None),
                MaybeUndefined::Value(d) => {
                    am.description = Set(optional_text("description", Some(d), 5000)?)
                }
            }
            versioned_update!(txn, campaigns, am, id, version)?;
            let c = load_campaign(txn, id).await?;
            Ok(Done::of(c))
        })
        .await?;
        Ok(Campaign(c))
    }

    /// Archives (`archived: true`) or restores a campaign (standing office). Cases keep their
    /// link to it.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn set_campaign_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Campaign> {
        let v = viewer(ctx)?;
        check(v, Action::ManageDirectives)?;
        let id = parse_id(&id)?;
        let op = if archived {
            "archiveCampaign"
        } else {
            "restoreCampaign"
        };
        let c = write_once(&writer(ctx)?, op, async |txn| {
            load_campaign(txn, id).await?;
            let am = campaigns::ActiveModel {
                archived_at: Set(archived.then(chrono::Utc::now)),
                ..Default::default()
            };
            versioned_update!(txn, campaigns, am, id, version)?;
            let c = load_campaign(txn, id).await?;
            Ok(Done::of(c))
        })
        .await?;
        Ok(Campaign(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(issued: NaiveDate) -> directives::Model {
        directives::Model {
            id: 1,
            symbol: "38/CĐ-TTg".into(),
            number: 38,
            doc_type: "cd".into(),
            issuer: "TTg".into(),
            drafting_unit: None,
            issuer_name: "Thủ tướng Chính phủ".into(),
            issued_on: issued,
            year: issued.year(),
            title: "Công điện".into(),
            valid_from: None,
            valid_until: None,
            created_at: chrono::Utc::now(),
            version: 1,
            archived_at: None,
        }
    }

    #[test]
    fn a_task_has_exactly_one_schedule() {
        let d = directive(NaiveDate::from_ymd_opt(2026, 5, 6).unwrap());
        let due = NaiveDate::from_ymd_opt(2026, 5, 22);
        assert!(check_schedule(due, None, &d).is_ok());
        assert!(check_schedule(None, Some(17), &d).is_ok());
        assert!(check_schedule(due, Some(17), &d).is_err());
        assert!(check_schedule(None, None, &d).is_err());
        assert!(check_schedule(None, Some(0), &d).is_err());
        assert!(check_schedule(None, Some(29), &d).is_err());
        assert!(check_schedule(NaiveDate::from_ymd_opt(2026, 5, 1), None, &d).is_err());
    }

    #[test]
    fn campaign_codes() {
        assert_eq!(campaign_code(" SHTT_2026 ").unwrap(), "SHTT_2026");
        for bad in ["", "s", "shtt_2026", "2026_X", "TẾT_2026", "A-B"] {
            assert!(campaign_code(bad).is_err(), "{bad}");
        }
    }
}
