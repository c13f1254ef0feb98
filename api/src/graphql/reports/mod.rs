//! Periodic reports (báo cáo định kỳ): each agency files its own, prefilled with figures
//! computed from the cases it leads ([`figures`]), for periods cut on the 15th-to-14th rule
//! ([`period`]). The standing office and the provincial leaders see every report and who has
//! not filed; an agency sees its own.
//!
//! The monthly report for month M of year Y covers 15/(M-1) to 14/M and is due before
//! `report_due_day` (17 by default) of month M: filed on that day or later (Vietnam local
//! date) it is marked late.

pub mod figures;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use entity::{agencies, periodic_reports};

use crate::domain::access::{ReportScope, report_scope};
use crate::domain::report_figures::{Correction, ReportField};
use crate::domain::report_period::Period;
use crate::domain::vocab::{OfficialGroup, PeriodKind};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{Date, Timestamp, Vnd, db, loaders, services, viewer};
use crate::graphql::ids::{NodeKind, parse_id};
use crate::graphql::loaders::one;
use crate::graphql::pagination::{date_cursor, newest_first, page_size};
use crate::graphql::reference::Agency;
use crate::graphql::workflow::{key_of, writer};
use crate::service::case_write::agency_by_code;
use crate::service::reports::{self as svc, Filing, find_for};
use crate::service::scopes;
use figures::GroupFigures;

fn due_day(ctx: &Context<'_>) -> AppResult<u32> {
    Ok(services(ctx)?.workflow.report_due_day)
}

#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::reports_visible")]
pub struct ReportFilter {
    /// Agency code (agencies may only ask for their own).
    pub agency: Option<String>,
    /// Reports whose period ends in this year.
    pub year: Option<i32>,
    /// With `year`: reports whose period ends in this month.
    pub month: Option<u32>,
    pub period_kind: Option<PeriodKind>,
    /// Only late (`true`) or on-time (`false`) reports.
    pub late: Option<bool>,
}

/// One corrected figure.
#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::reports_visible")]
pub struct ReportCorrectionInput {
    pub group: OfficialGroup,
    pub field: ReportField,
    /// The reported value: a count or an amount in VND (both whole and non-negative).
    pub value: Vnd,
}

#[derive(InputObject)]
#[graphql(visible = "crate::graphql::guards::reports_visible")]
pub struct FileReportInput {
    pub period_kind: PeriodKind,
    /// The year the period ends in.
    pub year: i32,
    /// For a MONTH period: the month it ends in (1-12); the period starts on the 15th of the
    /// month before.
    pub month: Option<u32>,
    /// For a QUARTER period: 1-4.
    pub quarter: Option<u32>,
    /// Figures to change from the computed ones (needs `correctionReason`).
    pub corrections: Option<Vec<ReportCorrectionInput>>,
    pub correction_reason: Option<String>,
}

impl ReportCorrectionInput {
    fn correction(&self) -> Correction {
        Correction {
            group: self.group,
            field: self.field,
            value: self.value.0,
        }
    }
}

fn corrections(list: &[ReportCorrectionInput]) -> Vec<Correction> {
    list.iter().map(ReportCorrectionInput::correction).collect()
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Periodic reports, latest period first. The standing office and leaders see every
    /// agency's; an agency its own.
    #[graphql(
        visible = "crate::graphql::guards::reports_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn periodic_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ReportFilter>,
    ) -> Result<PeriodicReportConnection> {
        let v = viewer(ctx)?;
        let scope = report_scope(v)?;
        let size = page_size(first)?;
        let f = filter.unwrap_or_default();
        let conn = db(ctx)?;
        let mut cond = scopes::reports(scope);
        if let Some(code) = &f.agency {
            let a = agency_by_code(conn, code).await?;
            if scope != ReportScope::All && scope != ReportScope::OwnAgency(a.id) {
                return Err(
                    AppError::forbidden("your role reads only your own agency's reports").into(),
                );
            }
            cond = cond.add(periodic_reports::Column::AgencyId.eq(a.id));
        }
        match (f.year, f.month) {
            (None, Some(_)) => {
                return Err(AppError::bad_input("`month` needs `year`").into());
            }
            (Some(y), Some(m)) => {
                let end = NaiveDate::from_ymd_opt(y, m, 14)
                    .ok_or_else(|| AppError::bad_input("`month` must be between 1 and 12"))?;
                cond = cond.add(periodic_reports::Column::PeriodEnd.eq(end));
            }
            (Some(y), None) => {
                let (a, b) = (
                    NaiveDate::from_ymd_opt(y, 1, 1),
                    NaiveDate::from_ymd_opt(y, 12, 31),
                );
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(AppError::bad_input("`year` is out of range").into());
                };
                cond = cond.add(periodic_reports::Column::PeriodEnd.between(a, b));
            }
            (None, None) => {}
        }
        if let Some(k) = f.period_kind {
            cond = cond.add(periodic_reports::Column::PeriodKind.eq(k.as_str()));
        }
        if let Some(late) = f.late {
            cond = cond.add(periodic_reports::Column::IsLate.eq(late));
        }
        let page = newest_first::<periodic_reports::Entity, _>(
            conn,
            cond.clone(),
            periodic_reports::Column::PeriodStart,
            periodic_reports::Column::Id,
            after.as_deref(),
            size,
        )
        .await?;
        Ok(PeriodicReportConnection::page(page, &after, cond))
    }

    /// Member agencies that have not filed their monthly report for month `month` of `year`
    /// (standing office and leaders). The provincial leadership and the press, which do not
    /// file, are left out.
    #[graphql(
        visible = "crate::graphql::guards::compliance_visible",
        complexity = "crate::graphql::cost::REPORT"
    )]
    async fn missing_reports(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: u32,
    ) -> Result<MissingReports> {
        let v = viewer(ctx)?;
        if report_scope(v)? != ReportScope::All {
            return Err(AppError::forbidden(
                "only the standing office and leaders see missing reports",
            )
            .into());
        }
        let p = Period::of(PeriodKind::Month, year, Some(month), None, due_day(ctx)?)?;
        let filed = sea_orm::sea_query::Query::select()
            .column(periodic_reports::Column::AgencyId)
            .from(periodic_reports::Entity)
            .and_where(periodic_reports::Column::PeriodKind.eq(p.kind.as_str()))
            .and_where(periodic_reports::Column::PeriodStart.eq(p.start))
            .to_owned();
        let rows = agencies::Entity::find()
            .filter(agencies::Column::IsMember.eq(true))
            .filter(
                agencies::Column::Kind
                    .is_not_in(crate::domain::access::NOT_FILING.iter().map(|k| k.as_str())),
            )
            .filter(agencies::Column::Id.not_in_subquery(filed))
            .order_by_asc(agencies::Column::Code)
            .all(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        Ok(MissingReports {
            period: ReportPeriod::from(&p),
            overdue: p.is_late(crate::time::today()),
            agencies: rows.into_iter().map(Agency).collect(),
        })
    }
}

#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Files the viewer's agency's report for a period, prefilled with the figures computed
    /// from the cases it leads that were detected in the period. Figures may be corrected
    /// with a reason. Filing twice for one period is `CONFLICT` (use `correctReport`); a
    /// period is filed once it has ended (a month on the 15th), by the agency's police,
    /// customs or officers.
    #[graphql(visible = "crate::graphql::guards::files_reports_visible")]
    async fn file_report(
        &self,
        ctx: &Context<'_>,
        input: FileReportInput,
        idempotency_key: Option<String>,
    ) -> Result<Option<PeriodicReport>> {
        let w = writer(ctx)?;
        let keyed = key_of(ctx, idempotency_key.as_deref(), "fileReport")?;
        let filing = Filing {
            period_kind: input.period_kind,
            year: input.year,
            month: input.month,
            quarter: input.quarter,
            corrections: corrections(input.corrections.as_deref().unwrap_or_default()),
            correction_reason: input.correction_reason,
        };
        Ok(Some(PeriodicReport(
            svc::file(&w, due_day(ctx)?, filing, keyed).await?,
        )))
    }

    /// Corrects figures of a filed report (the filing agency), with a reason (kept with the
    /// earlier ones).
    #[graphql(visible = "crate::graphql::guards::files_reports_visible")]
    async fn correct_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        corrections: Vec<ReportCorrectionInput>,
        reason: String,
    ) -> Result<Option<PeriodicReport>> {
        let w = writer(ctx)?;
        let fixes = self::corrections(&corrections);
        let r = svc::correct(
            &w,
            parse_id(&id, NodeKind::PeriodicReport)?,
            version,
            fixes,
            &reason,
        )
        .await?;
        Ok(Some(PeriodicReport(r)))
    }
}

/// A reporting period.
#[derive(SimpleObject, Clone)]
#[graphql(visible = "crate::graphql::guards::reports_visible")]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub start: Date,
    pub end: Date,
    /// Due before this date: a report filed on it or later is late.
    pub due_on: Date,
}

impl From<&Period> for ReportPeriod {
    fn from(p: &Period) -> Self {
        ReportPeriod {
            kind: p.kind,
            start: p.start.into(),
            end: p.end.into(),
            due_on: p.due.into(),
        }
    }
}

/// Who has not filed for a period.
#[derive(SimpleObject)]
#[graphql(visible = "crate::graphql::guards::reports_visible")]
pub struct MissingReports {
    pub period: ReportPeriod,
    /// The due date has passed (Vietnam local date).
    pub overdue: bool,
    pub agencies: Vec<Agency>,
}

crate::relay_connection!(
    PeriodicReportConnection,
    PeriodicReportEdge,
    PeriodicReport,
    periodic_reports::Entity,
    |r: &periodic_reports::Model| date_cursor(r.period_start, r.id),
    visible = "crate::graphql::guards::reports_visible"
);

/// An agency's report for one period.
pub struct PeriodicReport(pub periodic_reports::Model);

impl PeriodicReport {
    /// The same agency's report for another period (same access as this one).
    async fn other(&self, ctx: &Context<'_>, p: AppResult<Period>) -> Result<Option<Self>> {
        Ok(find_for(db(ctx)?, self.0.agency_id, &p?)
            .await?
            .map(PeriodicReport))
    }

    fn period(&self, ctx: &Context<'_>) -> AppResult<Period> {
        Period::stored(
            PeriodKind::from_db(&self.0.period_kind)?,
            self.0.period_end,
            due_day(ctx)?,
        )
    }
}

#[Object(visible = "crate::graphql::guards::reports_visible")]
impl PeriodicReport {
    pub async fn id(&self) -> ID {
        crate::graphql::ids::global_id(crate::graphql::ids::NodeKind::PeriodicReport, self.0.id)
    }
    /// For optimistic concurrency: pass it back to `correctReport`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(&loaders(ctx)?.agency, self.0.agency_id)
            .await?
            .map(Agency))
    }
    async fn period_kind(&self) -> Result<PeriodKind> {
        Ok(PeriodKind::from_db(&self.0.period_kind)?)
    }
    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }
    /// Due before this date: filed on it or later, the report is late.
    async fn due_on(&self) -> Date {
        self.0.due_on.into()
    }
    async fn filed_at(&self) -> Option<Timestamp> {
        self.0.filed_at.map(Into::into)
    }
    async fn is_late(&self) -> bool {
        self.0.is_late
    }
    /// The figures as filed (computed, then corrected), one entry per official group.
    async fn figures(&self) -> Vec<GroupFigures> {
        figures::read(&self.0.figures)
    }
    /// The figures computed from the agency's cases when the report was filed (`null` for
    /// reports imported without them).
    async fn computed_figures(&self) -> Option<Vec<GroupFigures>> {
        self.0.computed_figures.as_ref().map(figures::read)
    }
    /// Whether the filed figures differ from the computed ones.
    async fn corrected(&self) -> bool {
        self.0
            .computed_figures
            .as_ref()
            .is_some_and(|c| figures::read(c) != figures::read(&self.0.figures))
    }
    /// Why figures were corrected (one line per correction).
    async fn correction_reason(&self) -> Option<&str> {
        self.0.correction_reason.as_deref()
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// The agency's report for the period before (previous month or quarter; the same
    /// cumulative period of the year before), for comparison.
    async fn previous_period(&self, ctx: &Context<'_>) -> Result<Option<PeriodicReport>> {
        let p = self.period(ctx).and_then(|p| p.previous(due_day(ctx)?));
        self.other(ctx, p).await
    }
    /// The agency's report for the same period last year, for comparison.
    async fn same_period_last_year(&self, ctx: &Context<'_>) -> Result<Option<PeriodicReport>> {
        let p = self
            .period(ctx)
            .and_then(|p| p.same_last_year(due_day(ctx)?));
        self.other(ctx, p).await
    }
}
