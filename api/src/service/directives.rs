//! Writing directives, tasks and campaigns. The standing office manages them (DOMAIN.md: "the
//! standing office manages directives, tasks, campaigns"); every agency reports progress on the
//! tasks it leads or coordinates, and the lead agency completes them. Each write is one
//! transaction with its audit event (through [`crate::service::write`]); updates carry the
//! version the client read; creations take an idempotency key. Plain functions over a
//! [`Writer`], so the CLI and tests write exactly as the GraphQL resolvers do.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, DeleteMany, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use entity::{
    campaigns, case_campaigns, cases, directive_citations, directives, task_coordinators,
    task_updates, tasks,
};

use crate::domain::access::{Action, Viewer, acting_agency};
use crate::domain::calendar::DateRange;
use crate::domain::symbol::{ParsedSymbol, parse_symbol};
use crate::domain::vocab::{CommodityGroup, TaskStatus, ViolationType};
use crate::error::{AppError, AppResult};
use crate::service::case_write::{agency_that_may, check_past_date, optional_text, required_text};
use crate::service::events::Announced;
use crate::service::reference::{check_code_free, upper_case_code};
use crate::service::scopes;
use crate::service::write::{
    Changes, Done, Keyed, Writer, change, check_archive_move, check_not_archived, create, write,
    write_once,
};
use crate::versioned_update;

/// Who writes directives, tasks and campaigns: the standing office.
const MANAGE: Action = Action::ManageDirectives;

/// A directing document to register.
pub struct NewDirective {
    /// The symbol as written, e.g. `341/TB-VPCP` or `11554/VPCP-V.I`.
    pub symbol: String,
    pub issuer_name: String,
    /// Date of issue; its year is part of the directive's key.
    pub issued_on: NaiveDate,
    pub title: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Directives it cites (căn cứ), by row id.
    pub cites: Vec<i64>,
}

crate::changes! {
    /// Changes to a directive: `None` keeps a field; for the clearable ones `Some(None)` clears it.
    pub struct DirectiveChanges {
        pub symbol: Option<String>,
        pub issuer_name: Option<String>,
        pub issued_on: Option<NaiveDate>,
        pub title: Option<String>,
        pub valid_from: Option<Option<NaiveDate>>,
        pub valid_until: Option<Option<NaiveDate>>,
        /// Replaces the directives it cites (row ids).
        pub cites: Option<Vec<i64>>,
    }
}

/// A task assigned by a directive: a deadline or a monthly recurrence day, exactly one.
pub struct NewTask {
    /// The directive assigning it (row id).
    pub directive: i64,
    pub text: String,
    /// Code of the lead agency (chủ trì).
    pub lead_agency: String,
    /// Codes of the coordinating agencies (phối hợp).
    pub coordinating_agencies: Vec<String>,
    pub due_on: Option<NaiveDate>,
    /// The day of the month a monthly task is due before (1 to 28).
    pub recurrence_day: Option<i32>,
}

crate::changes! {
    /// Changes to a task: `None` keeps a field. A deadline makes the task a one-off, a
    /// recurrence day makes it monthly.
    pub struct TaskChanges {
        pub text: Option<String>,
        pub lead_agency: Option<String>,
        /// Replaces the coordinating agencies (codes).
        pub coordinating_agencies: Option<Vec<String>>,
        pub due_on: Option<NaiveDate>,
        pub recurrence_day: Option<i32>,
        /// OPEN, IN_PROGRESS or CANCELLED (DONE is [`complete_task`], by the lead agency).
        pub status: Option<TaskStatus>,
    }
}

/// A peak campaign (đợt cao điểm) to create.
pub struct NewCampaign {
    /// Upper-case code, e.g. `SHTT_2026`.
    pub code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The directive launching it (row id).
    pub directive: Option<i64>,
    pub focus_commodity_groups: Vec<CommodityGroup>,
    pub focus_violation_types: Vec<ViolationType>,
    pub description: Option<String>,
}

crate::changes! {
    /// Changes to a campaign: `None` keeps a field; for the clearable ones `Some(None)` clears it.
    pub struct CampaignChanges {
        pub name: Option<String>,
        pub starts_on: Option<NaiveDate>,
        pub ends_on: Option<NaiveDate>,
        pub directive: Option<Option<i64>>,
        pub focus_commodity_groups: Option<Vec<CommodityGroup>>,
        pub focus_violation_types: Option<Vec<ViolationType>>,
        pub description: Option<Option<String>>,
    }
}

async fn load_directive<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<directives::Model> {
    crate::service::rows::by_id::<directives::Entity, _>(conn, id, "directive").await
}

async fn load_task<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<tasks::Model> {
    crate::service::rows::by_id::<tasks::Entity, _>(conn, id, "task").await
}

/// The task an agency reports on or completes, if its viewer reads it ([`scopes::tasks`]): a
/// commune user's task out of its scope is `NOT_FOUND` like a missing id.
async fn load_task_for_write<C: ConnectionTrait>(
    conn: &C,
    v: &Viewer,
    id: i64,
) -> AppResult<tasks::Model> {
    crate::service::rows::by_id_within::<tasks::Entity, _>(conn, scopes::tasks(v)?, id, "task")
        .await
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

/// A validity or campaign window: within the calendar, and not ending before it starts.
/// A directive is in force until a day on or after its issue (a review of stop 34 registered
/// one that expired six years before it was issued).
fn check_in_force_after_issue(issued_on: NaiveDate, until: Option<NaiveDate>) -> AppResult<()> {
    match until {
        Some(u) if u < issued_on => Err(AppError::bad_input(format!(
            "`validUntil` {u} is before the directive was issued (`issuedOn` {issued_on})"
        ))),
        _ => Ok(()),
    }
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

/// The items in the order given, each once.
fn distinct<T: Copy + PartialEq>(items: &[T]) -> Vec<T> {
    let mut seen: Vec<T> = Vec::with_capacity(items.len());
    for &i in items {
        if !seen.contains(&i) {
            seen.push(i);
        }
    }
    seen
}

/// Replaces the link rows `old` selects with `rows`: a directive's citations, a task's
/// coordinators.
async fn replace_links<C: ConnectionTrait, A: ActiveModelTrait + Send>(
    conn: &C,
    old: DeleteMany<A::Entity>,
    rows: Vec<A>,
) -> AppResult<()> {
    old.exec(conn).await?;
    if !rows.is_empty() {
        <A::Entity as EntityTrait>::insert_many(rows)
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Replaces what directive `id` cites.
async fn set_citations(txn: &DatabaseTransaction, id: i64, cites: &[i64]) -> AppResult<()> {
    // Counted as given, repeats included, as the limit is on what a request may carry.
    if cites.len() > 100 {
        return Err(AppError::bad_input("`cites` takes at most 100 entries"));
    }
    let cited = distinct(cites);
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
    let rows = cited.into_iter().map(|c| directive_citations::ActiveModel {
        directive_id: Set(id),
        cited_id: Set(c),
    });
    let old = directive_citations::Entity::delete_many()
        .filter(directive_citations::Column::DirectiveId.eq(id));
    replace_links(txn, old, rows.collect()).await
}

/// A directive cites only documents issued on or before it, and the citation graph has no
/// cycle (possible only among documents of one day once dates are checked).
async fn check_citations(txn: &DatabaseTransaction, d: &directives::Model) -> AppResult<()> {
    // Both directions in one read.
    let links = directive_citations::Entity::find()
        .filter(
            Condition::any()
                .add(directive_citations::Column::DirectiveId.eq(d.id))
                .add(directive_citations::Column::CitedId.eq(d.id)),
        )
        .all(txn)
        .await?;
    let cites: Vec<i64> = links
        .iter()
        .filter(|c| c.directive_id == d.id)
        .map(|c| c.cited_id)
        .collect();
    let cited_by: Vec<i64> = links
        .iter()
        .filter(|c| c.cited_id == d.id)
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
        let a = agency_that_may(conn, code.trim(), Action::ReportOnTasks).await?;
        if a.id == lead {
            return Err(AppError::bad_input(
                "the lead agency cannot also coordinate",
            ));
        }
        if !ids.contains(&a.id) {
            ids.push(a.id);
        }
    }
    let rows = ids.into_iter().map(|a| task_coordinators::ActiveModel {
        task_id: Set(task_id),
        agency_id: Set(a),
    });
    let old = task_coordinators::Entity::delete_many()
        .filter(task_coordinators::Column::TaskId.eq(task_id));
    replace_links(conn, old, rows.collect()).await
}

/// Open or in progress: a task still being worked on.
fn is_open(t: &tasks::Model) -> bool {
    t.status == TaskStatus::Open.as_str() || t.status == TaskStatus::InProgress.as_str()
}

/// A campaign code: upper-case letters, digits and `_`, starting with a letter.
fn campaign_code(code: &str) -> AppResult<String> {
    upper_case_code(code, 50, "SHTT_2026")
}

/// A focus list as stored: comma-separated, each value once, in the order given.
fn join_list<T: Copy + PartialEq>(items: &[T], as_str: fn(T) -> &'static str) -> String {
    distinct(items)
        .into_iter()
        .map(as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// The directive a new task or a campaign names: it must exist and not be archived.
async fn live_directive<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<directives::Model> {
    let d = directives::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input("`directive` names a directive that does not exist"))?;
    check_not_archived("directive", d.archived_at)?;
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

/// Registers a directing document (standing office). The symbol is parsed into number, type,
/// issuer and drafting unit; issuer, year, number and type must be new (`CONFLICT`).
pub async fn register_directive(
    w: &Writer<'_>,
    input: NewDirective,
    keyed: Option<Keyed>,
) -> AppResult<directives::Model> {
    create(
        w,
        MANAGE,
        "registerDirective",
        keyed,
        load_directive,
        async |txn| {
            let p = symbol_parts(&input.symbol, input.issued_on)?;
            check_past_date("issuedOn", input.issued_on)?;
            check_window(
                "validFrom`/`validUntil",
                input.valid_from,
                input.valid_until,
            )?;
            check_in_force_after_issue(input.issued_on, input.valid_until)?;
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
            set_citations(txn, d.id, &input.cites).await?;
            check_citations(txn, &d).await?;
            Ok(d)
        },
    )
    .await
}

/// Corrects a directive (standing office). A new symbol or date is re-parsed and must stay
/// unique; `cites` replaces the citations.
pub async fn update_directive(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: DirectiveChanges,
) -> AppResult<directives::Model> {
    input.check_not_empty()?;
    change(w, MANAGE, "updateDirective", async |txn| {
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
        let valid_from = input.valid_from.unwrap_or(d.valid_from);
        let valid_until = input.valid_until.unwrap_or(d.valid_until);
        check_window("validFrom`/`validUntil", valid_from, valid_until)?;
        check_in_force_after_issue(issued_on, valid_until)?;
        if input.valid_from.is_some() {
            am.valid_from = Set(valid_from);
        }
        if input.valid_until.is_some() {
            am.valid_until = Set(valid_until);
        }
        versioned_update!(txn, directives, am, id, version)?;
        if let Some(cites) = &input.cites {
            set_citations(txn, id, cites).await?;
        }
        let d = load_directive(txn, id).await?;
        check_citations(txn, &d).await?;
        Ok(d)
    })
    .await
}

/// Archives (`archived: true`) or restores a record of the standing office under the version
/// check: the skeleton of the directive, task and campaign archive writes. `operations` names
/// the archive and the restore, `what` the record; `stamp` writes the archive time (`None`
/// restores).
async fn set_archived<T: Announced>(
    w: &Writer<'_>,
    (what, operations): (&str, [&'static str; 2]),
    archived: bool,
    id: i64,
    (load, archived_at): (
        impl AsyncFn(&DatabaseTransaction, i64) -> AppResult<T>,
        fn(&T) -> Option<DateTime<Utc>>,
    ),
    stamp: impl AsyncFnOnce(&DatabaseTransaction, Option<DateTime<Utc>>) -> AppResult<()>,
) -> AppResult<T> {
    let [archive, restore] = operations;
    let op = if archived { archive } else { restore };
    change(w, MANAGE, op, async |txn| {
        let row = load(txn, id).await?;
        check_archive_move(what, archived_at(&row), archived)?;
        stamp(txn, archived.then(chrono::Utc::now)).await?;
        load(txn, id).await
    })
    .await
}

/// One public archive/restore write of a standing-office record over [`set_archived`]: the
/// versioned stamp of `archived_at` (plus any column the table keeps current, such as
/// `updated_at`). A macro because the three differ only in table, loader and names.
macro_rules! archive_write {
    ($(#[$doc:meta])* $name:ident, $module:ident, $what:literal, $load:ident, $ops:expr $(, $field:ident = $value:expr)?) => {
        $(#[$doc])*
        pub async fn $name(
            w: &Writer<'_>,
            id: i64,
            version: i32,
            archived: bool,
        ) -> AppResult<$module::Model> {
            let archived_at: fn(&$module::Model) -> Option<DateTime<Utc>> = |m| m.archived_at;
            set_archived(w, ($what, $ops), archived, id, ($load, archived_at), async |txn, at| {
                let am = $module::ActiveModel {
                    archived_at: Set(at),
                    $($field: Set($value),)?
                    ..Default::default()
                };
                versioned_update!(txn, $module, am, id, version)
            })
            .await
        }
    };
}

archive_write!(
    /// Archives (`archived: true`) or restores a directive (standing office). Nothing is
    /// deleted; an archived directive leaves the lists and takes no new tasks.
    set_directive_archived, directives, "directive", load_directive,
    ["archiveDirective", "restoreDirective"]
);

/// Assigns a task from a directive (standing office): a lead agency, coordinating agencies,
/// and a deadline or a monthly recurrence.
pub async fn assign_task(
    w: &Writer<'_>,
    input: NewTask,
    keyed: Option<Keyed>,
) -> AppResult<tasks::Model> {
    create(w, MANAGE, "assignTask", keyed, load_task, async |txn| {
        let directive = live_directive(txn, input.directive).await?;
        check_schedule(input.due_on, input.recurrence_day, &directive)?;
        let text = required_text("text", &input.text, 5000)?;
        let lead = agency_that_may(txn, input.lead_agency.trim(), Action::ReportOnTasks).await?;
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
        set_task_coordinators(txn, t.id, lead.id, &input.coordinating_agencies).await?;
        Ok(t)
    })
    .await
}

/// Changes a task (standing office): text, agencies, schedule, or its status (reopen,
/// cancel). Completing is the lead agency's [`complete_task`].
pub async fn update_task(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: TaskChanges,
) -> AppResult<tasks::Model> {
    input.check_not_empty()?;
    change(w, MANAGE, "updateTask", async |txn| {
        let t = load_task(txn, id).await?;
        check_not_archived("task", t.archived_at)?;
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
            lead = agency_that_may(txn, code.trim(), Action::ReportOnTasks)
                .await?
                .id;
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
        load_task(txn, id).await
    })
    .await
}

archive_write!(
    /// Archives (`archived: true`) or restores a task (standing office). Nothing is deleted.
    set_task_archived, tasks, "task", load_task, ["archiveTask", "restoreTask"],
    updated_at = chrono::Utc::now()
);

/// Reports progress on a task, by an agency that leads or coordinates it. The first report
/// moves an open task to IN_PROGRESS.
pub async fn post_task_update(
    w: &Writer<'_>,
    task_id: i64,
    note: &str,
    progress_percent: Option<i32>,
    keyed: Option<Keyed>,
) -> AppResult<tasks::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::ReportOnTasks)?;
    let id = task_id;
    write(
        w,
        "postTaskUpdate",
        keyed,
        async |txn, _| {
            let t = load_task_for_write(txn, v, id).await?;
            check_reporter(txn, &t, agency).await?;
            Ok(t)
        },
        async |txn| {
            let t = load_task_for_write(txn, v, id).await?;
            check_reporter(txn, &t, agency).await?;
            check_not_archived("task", t.archived_at)?;
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
                note: Set(required_text("note", note, 5000)?),
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
    .await
}

/// Marks a task done, by its lead agency. `completed_on` defaults to today in Vietnam and may
/// not be in the future.
pub async fn complete_task(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    completed_on: Option<NaiveDate>,
) -> AppResult<tasks::Model> {
    let v = w.signed_in()?;
    let agency = acting_agency(v, Action::ReportOnTasks)?;
    write_once(w, "completeTask", async |txn| {
        let t = load_task_for_write(txn, v, id).await?;
        if t.lead_agency_id != agency {
            return Err(AppError::forbidden("only the lead agency completes a task"));
        }
        check_not_archived("task", t.archived_at)?;
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
    .await
}

/// A campaign's dates: a window, and a period the statistics can read (its `CAMPAIGN` period).
fn check_campaign_window(starts: NaiveDate, ends: NaiveDate) -> AppResult<()> {
    check_window("startsOn`/`endsOn", Some(starts), Some(ends))?;
    DateRange {
        from: starts,
        to: ends,
    }
    .checked()
    .map(|_| ())
}

/// Moving a campaign's dates may not leave out a case linked to it (a campaign counts the
/// cases detected while it runs): unlink those first.
async fn check_cases_in_window(
    txn: &DatabaseTransaction,
    c: &campaigns::Model,
    starts: NaiveDate,
    ends: NaiveDate,
) -> AppResult<()> {
    let linked = sea_orm::sea_query::Query::select()
        .column(case_campaigns::Column::CaseId)
        .from(case_campaigns::Entity)
        .and_where(case_campaigns::Column::CampaignId.eq(c.id))
        .to_owned();
    // Archived cases are not counted, and the standing office does not know them (a refusal
    // counting them told another agency's archived case and its day); one restored must fit
    // its campaigns again (`case_write::set_archived`).
    let outside = cases::Entity::find()
        .filter(cases::Column::Id.in_subquery(linked))
        .filter(cases::Column::ArchivedAt.is_null())
        .filter(
            cases::Column::DetectedOn
                .lt(starts)
                .or(cases::Column::DetectedOn.gt(ends)),
        )
        .count(txn)
        .await?;
    if outside > 0 {
        return Err(AppError::bad_input(format!(
            "{outside} case(s) linked to campaign `{}` were detected outside {starts}–{ends}: unlink them first",
            c.code
        )));
    }
    Ok(())
}

/// Creates a peak campaign (standing office); its code must be new (`CONFLICT`).
pub async fn create_campaign(
    w: &Writer<'_>,
    input: NewCampaign,
    keyed: Option<Keyed>,
) -> AppResult<campaigns::Model> {
    create(
        w,
        MANAGE,
        "createCampaign",
        keyed,
        load_campaign,
        async |txn| {
            let code = campaign_code(&input.code)?;
            check_campaign_window(input.starts_on, input.ends_on)?;
            let directive = match input.directive {
                Some(d) => Some(live_directive(txn, d).await?.id),
                None => None,
            };
            check_code_free::<campaigns::Entity, _>(
                txn,
                campaigns::Column::Code,
                "campaign",
                &code,
            )
            .await?;
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
            Ok(c)
        },
    )
    .await
}

/// Changes a campaign (standing office). Its code, used by cases, stays.
pub async fn update_campaign(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    input: CampaignChanges,
) -> AppResult<campaigns::Model> {
    input.check_not_empty()?;
    change(w, MANAGE, "updateCampaign", async |txn| {
        // Locked before its linked cases are checked: a link made meanwhile waits (it holds a
        // share lock on the campaign), or is seen.
        let c = campaigns::Entity::find_by_id(id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
        let starts = input.starts_on.unwrap_or(c.starts_on);
        let ends = input.ends_on.unwrap_or(c.ends_on);
        check_campaign_window(starts, ends)?;
        check_cases_in_window(txn, &c, starts, ends).await?;
        let mut am = campaigns::ActiveModel {
            starts_on: Set(starts),
            ends_on: Set(ends),
            ..Default::default()
        };
        if let Some(n) = &input.name {
            am.name = Set(required_text("name", n, 500)?);
        }
        match input.directive {
            None => {}
            Some(None) => am.directive_id = Set(None),
            Some(Some(d)) => am.directive_id = Set(Some(live_directive(txn, d).await?.id)),
        }
        if let Some(g) = &input.focus_commodity_groups {
            am.focus_commodity_groups = Set(join_list(g, CommodityGroup::as_str));
        }
        if let Some(t) = &input.focus_violation_types {
            am.focus_violation_types = Set(join_list(t, ViolationType::as_str));
        }
        match &input.description {
            None => {}
            Some(None) => am.description = Set(None),
            Some(Some(d)) => am.description = Set(optional_text("description", Some(d), 5000)?),
        }
        versioned_update!(txn, campaigns, am, id, version)?;
        load_campaign(txn, id).await
    })
    .await
}

archive_write!(
    /// Archives (`archived: true`) or restores a campaign (standing office). Cases keep their
    /// link to it.
    set_campaign_archived, campaigns, "campaign", load_campaign,
    ["archiveCampaign", "restoreCampaign"]
);

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
