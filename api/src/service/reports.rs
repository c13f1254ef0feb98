//! Filing and correcting periodic reports (báo cáo định kỳ): each agency files its own for a
//! period of the reporting calendar ([`crate::domain::report_period`]), prefilled with the
//! figures computed from the cases it leads ([`compute`]) and corrected with a reason
//! ([`crate::domain::report_figures`]).

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter,
};
use serde_json::{Map, Value as Json, json};

use entity::periodic_reports;

use crate::domain::access::{Action, acting_agency, report_scope};
use crate::domain::calendar::DateRange;
use crate::domain::figures::{CASE_ROW, bounded_sum, confiscated_sales};
use crate::domain::report_figures::{
    Correction, ReportField, apply, check_corrections, correction_reason, zeros,
};
use crate::domain::report_period::Period;
use crate::domain::vocab::{PeriodKind, ViolationType};
use crate::error::{AppError, AppResult};
use crate::service::scopes;
use crate::service::statistics::{Dimension, KeyPart, aggregate};
use crate::service::write::{Done, Keyed, Writer, write, write_once};
use crate::versioned_update;

/// What an agency files: the period (`month` for a MONTH, `quarter` for a QUARTER, in the
/// year the period ends in) and the figures it changes from the computed ones, with the
/// reason.
pub struct Filing {
    pub period_kind: PeriodKind,
    pub year: i32,
    pub month: Option<u32>,
    pub quarter: Option<u32>,
    pub corrections: Vec<Correction>,
    pub correction_reason: Option<String>,
}

pub async fn load<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<periodic_reports::Model> {
    crate::service::rows::by_id::<periodic_reports::Entity, _>(conn, id, "report").await
}

/// The report of an agency for a period, if filed.
pub async fn find_for<C: ConnectionTrait>(
    conn: &C,
    agency_id: i64,
    p: &Period,
) -> AppResult<Option<periodic_reports::Model>> {
    Ok(periodic_reports::Entity::find()
        .filter(periodic_reports::Column::AgencyId.eq(agency_id))
        .filter(periodic_reports::Column::PeriodKind.eq(p.kind.as_str()))
        .filter(periodic_reports::Column::PeriodStart.eq(p.start))
        .one(conn)
        .await?)
}

/// Computes an agency's figures for a period: the very statement `statistics` runs
/// ([`aggregate`], figures defined once in `domain::figures`), over the cases the agency
/// leads, grouped by official group — so a report's prefill and the dashboard's row for the
/// agency cannot differ. `confiscated_sales`, a report's own figure, is summed per case
/// ([`confiscated_sales`]) by one more grouped statement over the same cases.
pub async fn compute<C: ConnectionTrait>(
    conn: &C,
    agency_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> AppResult<Json> {
    let cond = Condition::all()
        .add(entity::cases::Column::LeadAgencyId.eq(agency_id))
        .add(entity::cases::Column::ArchivedAt.is_null());
    let range = DateRange {
        from: start,
        to: end,
    };
    let rows = aggregate(
        conn,
        cond.clone(),
        [range, range, range],
        &[Dimension::OfficialGroup],
    )
    .await?;
    let sales = sales_by_group(conn, cond, range).await?;
    let mut out = zeros();
    for (key, [f, _, _]) in rows {
        let Some(KeyPart::Text(Some(group))) = key.first() else {
            return Err(AppError::internal(anyhow::anyhow!(
                "a case has an unknown violation type"
            )));
        };
        let sales = sales.get(group.as_str()).copied().unwrap_or(0);
        let fields: Map<String, Json> = [
            (ReportField::CasesDetected, f.cases_detected),
            (
                ReportField::CasesHandledAdministrative,
                f.handled_administratively,
            ),
            (ReportField::CasesHandledCriminal, f.handled_criminally),
            (ReportField::SubjectCount, f.subjects),
            (ReportField::ProsecutedCases, f.prosecuted_cases),
            (ReportField::Defendants, f.defendants),
            (ReportField::Fines, f.fines),
            (ReportField::TaxArrears, f.tax_arrears),
            (ReportField::ConfiscatedSales, sales),
            (ReportField::BudgetCollected, f.budget_collected),
            (ReportField::GoodsValue, f.goods_value),
        ]
        .into_iter()
        .map(|(field, n)| (field.as_str().to_string(), json!(n)))
        .collect();
        out.insert(group.clone(), Json::Object(fields));
    }
    Ok(Json::Object(out))
}

/// The sale of confiscated goods of the cases meeting `cond` detected in `range`, by official
/// group.
async fn sales_by_group<C: ConnectionTrait>(
    conn: &C,
    cond: Condition,
    range: DateRange,
) -> AppResult<std::collections::HashMap<&'static str, i64>> {
    use entity::cases;
    use sea_orm::sea_query::{Alias, Expr, Query};
    let backend = conn.get_database_backend();
    let postgres = backend == sea_orm::DatabaseBackend::Postgres;
    let q = Query::select()
        .column(cases::Column::ViolationType)
        .expr_as(
            Expr::cust(bounded_sum(postgres, &confiscated_sales(&CASE_ROW))),
            Alias::new("sales"),
        )
        .from(cases::Entity)
        .cond_where(cond.add(cases::Column::DetectedOn.between(range.from, range.to)))
        .group_by_col(cases::Column::ViolationType)
        .to_owned();
    let mut out = std::collections::HashMap::new();
    for row in conn.query_all_raw(backend.build(&q)).await? {
        let kind: String = row.try_get("", "violation_type")?;
        let n: i64 = row.try_get("", "sales")?;
        let group = ViolationType::parse(&kind)
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("a case has an unknown violation type"))
            })?
            .official_group()
            .as_str();
        let sum: &mut i64 = out.entry(group).or_insert(0);
        *sum = sum.saturating_add(n);
    }
    Ok(out)
}

/// Files the writer's agency's report for a period (`due_day`: the day of the month reports
/// are due before). Filing twice for one period is `CONFLICT` ([`correct`] changes a filed
/// one); a period that has not ended is `BAD_USER_INPUT`.
pub async fn file(
    w: &Writer<'_>,
    due_day: u32,
    filing: Filing,
    keyed: Option<Keyed>,
) -> AppResult<periodic_reports::Model> {
    let agency = acting_agency(w.signed_in()?, Action::FileReports)?;
    write(
        w,
        "fileReport",
        keyed,
        async |txn, id| load(txn, id).await,
        async |txn| {
            let f = filing;
            let p = Period::of(f.period_kind, f.year, f.month, f.quarter, due_day)?;
            let today = crate::time::today();
            // Filed once the period has ended: a report filed within it kept the figures of
            // its first days, could not be filed again (CONFLICT), and counted as filed in
            // the compliance views (a review of stop 34).
            if p.end >= today {
                return Err(AppError::bad_input(format!(
                    "the period runs to {}: its report is filed once it has ended",
                    p.end.format("%d/%m/%Y")
                )));
            }
            let fixes = check_corrections(f.corrections)?;
            let reason = correction_reason(&fixes, f.correction_reason.as_deref())?;
            if find_for(txn, agency, &p).await?.is_some() {
                return Err(AppError::Conflict(
                    "your agency has already filed its report for this period; use \
                     correctReport to change it"
                        .into(),
                ));
            }
            let computed = compute(txn, agency, p.start, p.end).await?;
            let filed = apply(&computed, &fixes)?;
            let now = Utc::now();
            let r = periodic_reports::ActiveModel {
                agency_id: Set(agency),
                period_kind: Set(p.kind.as_str().into()),
                period_start: Set(p.start),
                period_end: Set(p.end),
                due_on: Set(p.due),
                filed_at: Set(Some(now)),
                is_late: Set(p.is_late(today)),
                figures: Set(filed),
                correction_reason: Set(reason),
                version: Set(1),
                created_at: Set(now),
                computed_figures: Set(Some(computed)),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(Done::of(r))
        },
    )
    .await
}

/// Corrects figures of a filed report (the filing agency only), with a reason kept after the
/// earlier ones.
pub async fn correct(
    w: &Writer<'_>,
    id: i64,
    version: i32,
    corrections: Vec<Correction>,
    reason: &str,
) -> AppResult<periodic_reports::Model> {
    let v = w.signed_in()?;
    acting_agency(v, Action::FileReports)?;
    let fixes = check_corrections(corrections)?;
    if fixes.is_empty() {
        return Err(AppError::bad_input("`corrections` is empty"));
    }
    let reason = correction_reason(&fixes, Some(reason))?.unwrap_or_default();
    write_once(w, "correctReport", async |txn| {
        // An agency reads only its own reports: another's is `NOT_FOUND`, like a missing id.
        let cond = scopes::reports(report_scope(v)?);
        let r = crate::service::rows::by_id_within::<periodic_reports::Entity, _>(
            txn, cond, id, "report",
        )
        .await?;
        let reasons = match &r.correction_reason {
            Some(earlier) => format!("{earlier}\n{reason}"),
            None => reason,
        };
        let am = periodic_reports::ActiveModel {
            figures: Set(apply(&r.figures, &fixes)?),
            correction_reason: Set(Some(reasons)),
            ..Default::default()
        };
        versioned_update!(txn, periodic_reports, am, id, version)?;
        Ok(Done::of(load(txn, id).await?))
    })
    .await
}
