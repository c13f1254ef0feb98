//! Compliance for leaders and the standing office: who is late with tasks and reports, which
//! communes have no 389 committee, and the campaigns running now with their figures. Counts
//! are `GROUP BY` statements; "late" is derived from today's date in Vietnam, never stored.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
};

use entity::{agencies, campaigns, communes};

use super::{Statistics, compute, police_withheld, statistics_condition};
use crate::domain::calendar::{DateRange, PeriodSpec};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{db, loaders, services, viewer};
use crate::graphql::directives::Campaign;
use crate::graphql::loaders::one;
use crate::graphql::reference::{Agency, Commune};
use crate::service::statistics::Via;

#[derive(Default)]
pub struct ComplianceQuery;

/// Late tasks of one lead agency.
pub struct TaskLateness {
    agency_id: i64,
    pub overdue: i64,
    pub overdue_days: i64,
    pub done_late: i64,
    pub done_late_days: i64,
}

#[Object]
impl TaskLateness {
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(&loaders(ctx)?.agency, self.agency_id)
            .await?
            .map(Agency))
    }
    /// Open tasks past their due date.
    async fn overdue(&self) -> i64 {
        self.overdue
    }
    /// Days late summed over the overdue tasks (to today).
    async fn overdue_days(&self) -> i64 {
        self.overdue_days
    }
    /// Tasks completed after their due date.
    async fn done_late(&self) -> i64 {
        self.done_late
    }
    async fn done_late_days(&self) -> i64 {
        self.done_late_days
    }
}

/// Monthly reports of one member agency in a year, up to today.
pub struct ReportCompliance {
    agency_id: i64,
    pub due: i64,
    pub filed: i64,
    pub late: i64,
    pub missing_months: Vec<String>,
}

#[Object]
impl ReportCompliance {
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(one(&loaders(ctx)?.agency, self.agency_id)
            .await?
            .map(Agency))
    }
    /// Monthly reports due so far this year.
    async fn due(&self) -> i64 {
        self.due
    }
    async fn filed(&self) -> i64 {
        self.filed
    }
    /// Filed after the due day.
    async fn late(&self) -> i64 {
        self.late
    }
    /// Reporting months (`YYYY-MM`) whose report is due and missing.
    async fn missing_months(&self) -> &[String] {
        &self.missing_months
    }
}

#[derive(SimpleObject)]
pub struct RunningCampaign {
    pub campaign: Campaign,
    /// Figures from the campaign's start to today (compared with the same span before and a
    /// year earlier).
    pub statistics: Statistics,
}

fn days_between(backend: DatabaseBackend, later: &str, earlier: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("({later} - {earlier})"),
        _ => format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"),
    }
}

fn date_literal(backend: DatabaseBackend, d: NaiveDate) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("DATE '{d}'"),
        _ => format!("'{d}'"),
    }
}

/// Overdue and late tasks by lead agency, one `GROUP BY`.
pub async fn task_lateness(
    db: &sea_orm::DatabaseConnection,
    today: NaiveDate,
) -> AppResult<Vec<TaskLateness>> {
    let b = db.get_database_backend();
    let t = date_literal(b, today);
    let overdue_days = days_between(b, &t, "\"due_on\"");
    let late_days = days_between(b, "\"completed_on\"", "\"due_on\"");
    let sql = format!(
        "SELECT \"lead_agency_id\" AS agency_id,
           CAST(SUM(CASE WHEN \"status\" IN ('open', 'in_progress') AND \"due_on\" < {t} THEN 1 ELSE 0 END) AS BIGINT) AS overdue,
           CAST(SUM(CASE WHEN \"status\" IN ('open', 'in_progress') AND \"due_on\" < {t} THEN {overdue_days} ELSE 0 END) AS BIGINT) AS overdue_days,
           CAST(SUM(CASE WHEN \"status\" = 'done' AND \"completed_on\" > \"due_on\" THEN 1 ELSE 0 END) AS BIGINT) AS done_late,
           CAST(SUM(CASE WHEN \"status\" = 'done' AND \"completed_on\" > \"due_on\" THEN {late_days} ELSE 0 END) AS BIGINT) AS done_late_days
         FROM \"tasks\" WHERE \"due_on\" IS NOT NULL AND \"archived_at\" IS NULL
         GROUP BY \"lead_agency_id\" ORDER BY \"lead_agency_id\""
    );
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(b, sql))
        .await?;
    let mut out = vec![];
    for r in rows {
        let l = TaskLateness {
            agency_id: r.try_get("", "agency_id")?,
            overdue: r.try_get("", "overdue")?,
            overdue_days: r.try_get("", "overdue_days")?,
            done_late: r.try_get("", "done_late")?,
            done_late_days: r.try_get("", "done_late_days")?,
        };
        if l.overdue > 0 || l.done_late > 0 {
            out.push(l);
        }
    }
    Ok(out)
}

/// Monthly reports of member agencies that file them in `year`, up to `today`: one statement
/// lists what was filed (agency, month end, late); months due are derived from the due day.
pub async fn report_compliance(
    db: &sea_orm::DatabaseConnection,
    year: i32,
    today: NaiveDate,
    due_day: u32,
) -> AppResult<Vec<ReportCompliance>> {
    // Reporting month M of `year` ends on the 14th of M and is due before `due_day` of M.
    let mut due_months = vec![];
    for m in 1..=12u32 {
        // The report's own due date (one rule: `reports::period`).
        let due = crate::domain::report_period::Period::of(
            crate::domain::vocab::PeriodKind::Month,
            year,
            Some(m),
            None,
            due_day,
        )?
        .due;
        if due <= today {
            due_months.push(m);
        }
    }
    let b = db.get_database_backend();
    let from = date_literal(b, NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default());
    let to = date_literal(b, NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default());
    let sql = format!(
        "SELECT \"agency_id\", \"period_end\", \"is_late\" FROM \"periodic_reports\"
         WHERE \"period_kind\" = 'month' AND \"filed_at\" IS NOT NULL AND \"period_end\" >= {from} AND \"period_end\" <= {to}"
    );
    let filed = db
        .query_all_raw(sea_orm::Statement::from_string(b, sql))
        .await?;
    let mut by_agency: std::collections::BTreeMap<i64, Vec<(u32, bool)>> = Default::default();
    for r in filed {
        let agency: i64 = r.try_get("", "agency_id")?;
        let end: NaiveDate = r.try_get("", "period_end")?;
        let late: bool = r.try_get("", "is_late")?;
        by_agency
            .entry(agency)
            .or_default()
            .push((end.month(), late));
    }
    let members = agencies::Entity::find()
        .filter(agencies::Column::IsMember.eq(true))
        .filter(
            agencies::Column::Kind
                .is_not_in(crate::domain::access::NOT_FILING.iter().map(|k| k.as_str())),
        )
        .order_by_asc(agencies::Column::Code)
        .all(db)
        .await?;
    Ok(members
        .into_iter()
        .map(|a| {
            let reports = by_agency.remove(&a.id).unwrap_or_default();
            let missing: Vec<String> = due_months
                .iter()
                .filter(|m| !reports.iter().any(|(rm, _)| rm == *m))
                .map(|m| format!("{year:04}-{m:02}"))
                .collect();
            ReportCompliance {
                agency_id: a.id,
                due: due_months.len() as i64,
                filed: reports.len() as i64,
                late: reports.iter().filter(|(_, l)| *l).count() as i64,
                missing_months: missing,
            }
        })
        .collect())
}

#[Object]
impl ComplianceQuery {
    /// Overdue and late tasks by lead agency (leaders and the standing office).
    #[graphql(
        visible = "crate::graphql::guards::compliance_visible",
        complexity = "crate::graphql::cost::REPORT"
    )]
    async fn task_compliance(&self, ctx: &Context<'_>) -> Result<Vec<TaskLateness>> {
        check(ctx)?;
        Ok(task_lateness(db(ctx)?, crate::time::today()).await?)
    }

    /// Monthly reports due, filed, late and missing by member agency for a year.
    #[graphql(
        visible = "crate::graphql::guards::compliance_visible",
        complexity = "crate::graphql::cost::REPORT"
    )]
    async fn report_compliance(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> Result<Vec<ReportCompliance>> {
        check(ctx)?;
        crate::domain::calendar::check_year(year)?;
        let due_day = services(ctx)?.workflow.report_due_day;
        Ok(report_compliance(db(ctx)?, year, crate::time::today(), due_day).await?)
    }

    /// Communes and wards that have not set up their 389 committee.
    #[graphql(
        visible = "crate::graphql::guards::compliance_visible",
        complexity = "crate::graphql::cost::REPORT"
    )]
    async fn communes_without_committee(&self, ctx: &Context<'_>) -> Result<Vec<Commune>> {
        check(ctx)?;
        let rows = communes::Entity::find()
            .filter(communes::Column::CommitteeEstablishedOn.is_null())
            .order_by_asc(communes::Column::Code)
            .all(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(Commune).collect())
    }

    /// Campaigns running today with their figures so far: the cases detected in the campaign's
    /// dates, as `statistics(period: { kind: CAMPAIGN, campaign })` counts them.
    #[graphql(
        visible = "crate::graphql::guards::compliance_visible",
        complexity = "crate::graphql::cost::RUNNING_CAMPAIGNS"
    )]
    async fn running_campaigns(&self, ctx: &Context<'_>) -> Result<Vec<RunningCampaign>> {
        check(ctx)?;
        let v = viewer(ctx)?;
        let db = db(ctx)?;
        let today = crate::time::today();
        let running = campaigns::Entity::find()
            .filter(campaigns::Column::StartsOn.lte(today))
            .filter(campaigns::Column::EndsOn.gte(today))
            .filter(campaigns::Column::ArchivedAt.is_null())
            .order_by_asc(campaigns::Column::StartsOn)
            .all(db)
            .await
            .map_err(AppError::from)?;
        let mut out = vec![];
        for c in running {
            // The campaign's figures as `statistics(period: { kind: CAMPAIGN })` counts them:
            // the cases detected in its dates, compared with as many days before. Counted by
            // its linked cases (a subset: a case is linked only to a campaign it was detected
            // in), it said 7 where the statistics said 20, and its comparisons, over days no
            // linked case can fall in, were always 0 (a review of stop 37).
            let cond = statistics_condition(v, &[], None)?;
            let spec = PeriodSpec::Range(DateRange {
                from: c.starts_on,
                to: c.ends_on,
            });
            let mut stats = compute(db, cond, spec, vec![], Via::Auto).await?;
            // Its police figures follow the statistics' rule.
            stats.police_withheld = police_withheld(v, None);
            out.push(RunningCampaign {
                campaign: Campaign(c),
                statistics: Statistics(stats),
            });
        }
        Ok(out)
    }
}

fn check(ctx: &Context<'_>) -> AppResult<()> {
    crate::domain::access::check_compliance(viewer(ctx)?)
}
