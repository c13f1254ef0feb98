//! Directive, task and campaign mutations over [`crate::service::directives`]. The standing
//! office manages them; every agency reports progress on the tasks it leads or coordinates,
//! and the lead agency completes them. Each resolver reads its arguments (global ids, the
//! idempotency key, the writer) and calls the write, which carries the rules.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::{Campaign, Directive, Task};
use crate::domain::vocab::{CommodityGroup, TaskStatus, ViolationType};
use crate::error::{AppError, AppResult};
use crate::graphql::context::Date;
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::workflow::{key_of, writer};
use crate::service::directives::{
    self as svc, CampaignChanges, DirectiveChanges, NewCampaign, NewDirective, NewTask, TaskChanges,
};

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
    pub issued_on: Date,
    pub title: String,
    pub valid_from: Option<Date>,
    /// Last day in force (a plan "runs until 14/12/2025").
    pub valid_until: Option<Date>,
    /// Directives it cites (căn cứ), by id.
    pub cites: Option<Vec<ID>>,
}

/// Changes to a directive; absent fields stay as they are, `null` clears a clearable one.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::not_press_visible")]
pub struct DirectivePatch {
    pub symbol: Option<String>,
    pub issuer_name: Option<String>,
    pub issued_on: Option<Date>,
    pub title: Option<String>,
    pub valid_from: MaybeUndefined<Date>,
    pub valid_until: MaybeUndefined<Date>,
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
    pub due_on: Option<Date>,
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
    pub due_on: Option<Date>,
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
    pub starts_on: Date,
    pub ends_on: Date,
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
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub directive: MaybeUndefined<ID>,
    pub focus_commodity_groups: Option<Vec<CommodityGroup>>,
    pub focus_violation_types: Option<Vec<ViolationType>>,
    pub description: MaybeUndefined<String>,
}

/// The row ids of a list of directives' ids.
fn directive_ids(ids: &[ID]) -> AppResult<Vec<i64>> {
    ids.iter()
        .map(|id| parse_id(id, NodeKind::Directive))
        .collect()
}

impl TryFrom<NewDirectiveInput> for NewDirective {
    type Error = AppError;

    fn try_from(i: NewDirectiveInput) -> AppResult<NewDirective> {
        Ok(NewDirective {
            symbol: i.symbol,
            issuer_name: i.issuer_name,
            issued_on: i.issued_on.into(),
            title: i.title,
            valid_from: i.valid_from.map(Into::into),
            valid_until: i.valid_until.map(Into::into),
            cites: directive_ids(i.cites.as_deref().unwrap_or_default())?,
        })
    }
}

impl TryFrom<DirectivePatch> for DirectiveChanges {
    type Error = AppError;

    fn try_from(p: DirectivePatch) -> AppResult<DirectiveChanges> {
        let cites = p.cites.as_deref().map(directive_ids).transpose()?;
        Ok(DirectiveChanges {
            symbol: p.symbol,
            issuer_name: p.issuer_name,
            issued_on: p.issued_on.map(Into::into),
            title: p.title,
            valid_from: p.valid_from.map_value(Into::into).into(),
            valid_until: p.valid_until.map_value(Into::into).into(),
            cites,
        })
    }
}

impl TryFrom<NewTaskInput> for NewTask {
    type Error = AppError;

    fn try_from(i: NewTaskInput) -> AppResult<NewTask> {
        Ok(NewTask {
            directive: parse_id(&i.directive, NodeKind::Directive)?,
            text: i.text,
            lead_agency: i.lead_agency,
            coordinating_agencies: i.coordinating_agencies.unwrap_or_default(),
            due_on: i.due_on.map(Into::into),
            recurrence_day: i.recurrence_day,
        })
    }
}

impl From<TaskPatch> for TaskChanges {
    fn from(p: TaskPatch) -> TaskChanges {
        TaskChanges {
            text: p.text,
            lead_agency: p.lead_agency,
            coordinating_agencies: p.coordinating_agencies,
            due_on: p.due_on.map(Into::into),
            recurrence_day: p.recurrence_day,
            status: p.status,
        }
    }
}

impl TryFrom<NewCampaignInput> for NewCampaign {
    type Error = AppError;

    fn try_from(i: NewCampaignInput) -> AppResult<NewCampaign> {
        Ok(NewCampaign {
            code: i.code,
            name: i.name,
            starts_on: i.starts_on.into(),
            ends_on: i.ends_on.into(),
            directive: i
                .directive
                .as_ref()
                .map(|d| parse_id(d, NodeKind::Directive))
                .transpose()?,
            focus_commodity_groups: i.focus_commodity_groups,
            focus_violation_types: i.focus_violation_types,
            description: i.description,
        })
    }
}

impl TryFrom<CampaignPatch> for CampaignChanges {
    type Error = AppError;

    fn try_from(p: CampaignPatch) -> AppResult<CampaignChanges> {
        let directive = match p.directive {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(Some(parse_id(&d, NodeKind::Directive)?)),
        };
        Ok(CampaignChanges {
            name: p.name,
            starts_on: p.starts_on.map(Into::into),
            ends_on: p.ends_on.map(Into::into),
            directive,
            focus_commodity_groups: p.focus_commodity_groups,
            focus_violation_types: p.focus_violation_types,
            description: p.description.into(),
        })
    }
}

#[Object]
impl DirectiveMutation {
    /// Registers a directing document (standing office). The symbol is parsed into number,
    /// type, issuer and drafting unit; issuer, year, number and type must be new (`CONFLICT`).
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn register_directive(
        &self,
        ctx: &Context<'_>,
        input: NewDirectiveInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Directive>> {
        let keyed = key_of(ctx, idempotency_key.as_deref(), "registerDirective")?;
        let d = svc::register_directive(&writer(ctx)?, input.try_into()?, keyed).await?;
        Ok(Some(Directive(d)))
    }

    /// Corrects a directive (standing office). A new symbol or date is re-parsed and must stay
    /// unique; `cites` replaces the citations.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn update_directive(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: DirectivePatch,
    ) -> Result<Option<Directive>> {
        let (id, input) = (parse_id(&id, NodeKind::Directive)?, input.try_into()?);
        let d = svc::update_directive(&writer(ctx)?, id, version, input).await?;
        Ok(Some(Directive(d)))
    }

    /// Archives (`archived: true`) or restores a directive (standing office). Nothing is
    /// deleted; an archived directive leaves the lists and takes no new tasks.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn set_directive_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<Directive>> {
        let id = parse_id(&id, NodeKind::Directive)?;
        let d = svc::set_directive_archived(&writer(ctx)?, id, version, archived).await?;
        Ok(Some(Directive(d)))
    }

    /// Assigns a task from a directive (standing office): a lead agency, coordinating
    /// agencies, and a deadline or a monthly recurrence.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn assign_task(
        &self,
        ctx: &Context<'_>,
        input: NewTaskInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Task>> {
        let keyed = key_of(ctx, idempotency_key.as_deref(), "assignTask")?;
        let t = svc::assign_task(&writer(ctx)?, input.try_into()?, keyed).await?;
        Ok(Some(Task(t.into())))
    }

    /// Changes a task (standing office): text, agencies, schedule, or its status (reopen,
    /// cancel). Completing is the lead agency's `completeTask`.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn update_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: TaskPatch,
    ) -> Result<Option<Task>> {
        let t = svc::update_task(
            &writer(ctx)?,
            parse_id(&id, NodeKind::Task)?,
            version,
            input.into(),
        )
        .await?;
        Ok(Some(Task(t.into())))
    }

    /// Archives (`archived: true`) or restores a task (standing office). Nothing is deleted.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn set_task_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<Task>> {
        let id = parse_id(&id, NodeKind::Task)?;
        let t = svc::set_task_archived(&writer(ctx)?, id, version, archived).await?;
        Ok(Some(Task(t.into())))
    }

    /// Reports progress on a task, by an agency that leads or coordinates it. The first
    /// report moves an open task to IN_PROGRESS.
    #[graphql(visible = "crate::graphql::guards::reports_on_tasks_visible")]
    async fn post_task_update(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        note: String,
        #[graphql(desc = "Progress, 0 to 100")] progress_percent: Option<i32>,
        idempotency_key: Option<String>,
    ) -> Result<Option<Task>> {
        let id = parse_id(&task_id, NodeKind::Task)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "postTaskUpdate")?;
        let w = writer(ctx)?;
        let t = svc::post_task_update(&w, id, &note, progress_percent, keyed).await?;
        Ok(Some(Task(t.into())))
    }

    /// Marks a task done, by its lead agency. `completedOn` defaults to today in Vietnam and
    /// may not be in the future.
    #[graphql(visible = "crate::graphql::guards::reports_on_tasks_visible")]
    async fn complete_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        completed_on: Option<Date>,
    ) -> Result<Option<Task>> {
        let id = parse_id(&id, NodeKind::Task)?;
        let t =
            svc::complete_task(&writer(ctx)?, id, version, completed_on.map(Into::into)).await?;
        Ok(Some(Task(t.into())))
    }

    /// Creates a peak campaign (standing office).
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: NewCampaignInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<Campaign>> {
        let keyed = key_of(ctx, idempotency_key.as_deref(), "createCampaign")?;
        let c = svc::create_campaign(&writer(ctx)?, input.try_into()?, keyed).await?;
        Ok(Some(Campaign(c)))
    }

    /// Changes a campaign (standing office). Its code, used by cases, stays.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CampaignPatch,
    ) -> Result<Option<Campaign>> {
        let (id, input) = (parse_id(&id, NodeKind::Campaign)?, input.try_into()?);
        let c = svc::update_campaign(&writer(ctx)?, id, version, input).await?;
        Ok(Some(Campaign(c)))
    }

    /// Archives (`archived: true`) or restores a campaign (standing office). Cases keep their
    /// link to it.
    #[graphql(visible = "crate::graphql::guards::manages_directives_visible")]
    async fn set_campaign_archived(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        archived: bool,
    ) -> Result<Option<Campaign>> {
        let id = parse_id(&id, NodeKind::Campaign)?;
        let c = svc::set_campaign_archived(&writer(ctx)?, id, version, archived).await?;
        Ok(Some(Campaign(c)))
    }
}
