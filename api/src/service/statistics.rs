//! The figures, computed by the database: one `GROUP BY` statement over the cases detected in
//! the period, the previous period and the same period last year (conditional sums per period),
//! with the investigation record joined for prosecutions; the subject count is the case row's
//! own (`cases.subject_count`, kept by every subject write).

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend};

use entity::{case_campaigns, cases, investigation_records};

use crate::domain::calendar::DateRange;
use crate::domain::figures::{Columns, Figure};
use crate::domain::vocab::{OfficialGroup, ViolationType};
use crate::error::AppResult;

crate::db_enum!(
    /// What rows can be grouped by (all core facts).
    Dimension + #[derive(PartialOrd, Ord)] {
        /// Lead agency.
        Agency = "agency",
        /// The three official reporting groups.
        OfficialGroup = "official_group",
        ViolationType = "violation_type",
        CommodityGroup = "commodity_group",
        Commune = "commune",
        Channel = "channel",
        Platform = "platform",
        /// A case counts under each campaign it is linked to.
        Campaign = "campaign",
        /// Reporting month (15th-to-14th cut), as `YYYY-MM`.
        Month = "month",
    }
);

/// The measures of one row for one period.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub cases_detected: i64,
    pub handled_administratively: i64,
    pub handled_criminally: i64,
    pub subjects: i64,
    pub prosecuted_cases: i64,
    pub defendants: i64,
    pub fines: i64,
    pub tax_arrears: i64,
    pub budget_collected: i64,
    pub goods_value: i64,
}

/// A group key value: an id, a stored enum string, or a reporting month (`YYYYMM`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    Id(Option<i64>),
    Text(Option<String>),
}

pub type Key = Vec<KeyPart>;

/// `CASE` mapping violation types to their official group, generated from the vocabulary so
/// SQL and Rust can never disagree.
pub fn official_group_sql() -> String {
    let mut s = String::from("CASE");
    for g in [
        OfficialGroup::SmugglingAndProhibited,
        OfficialGroup::TradeAndTaxFraud,
        OfficialGroup::CounterfeitAndIp,
    ] {
        let types: Vec<String> = ViolationType::ALL
            .iter()
            .filter(|t| t.official_group() == g)
            .map(|t| format!("'{}'", t.as_str()))
            .collect();
        s.push_str(&format!(
            " WHEN \"cases\".\"violation_type\" IN ({}) THEN '{}'",
            types.join(", "),
            g.as_str()
        ));
    }
    s.push_str(" END");
    s
}

fn month_sql(backend: DatabaseBackend) -> String {
    match backend {
        DatabaseBackend::Postgres => "(CASE WHEN EXTRACT(DAY FROM \"cases\".\"detected_on\") >= 15 \
             THEN CAST(to_char(\"cases\".\"detected_on\" + INTERVAL '1 month', 'YYYYMM') AS BIGINT) \
             ELSE CAST(to_char(\"cases\".\"detected_on\", 'YYYYMM') AS BIGINT) END)"
            .into(),
        _ => "(CASE WHEN CAST(strftime('%d', \"cases\".\"detected_on\") AS INTEGER) >= 15 \
             THEN CAST(strftime('%Y%m', date(\"cases\".\"detected_on\", 'start of month', '+1 month')) AS INTEGER) \
             ELSE CAST(strftime('%Y%m', \"cases\".\"detected_on\") AS INTEGER) END)"
            .into(),
    }
}

fn key_expr(dim: Dimension, backend: DatabaseBackend) -> (Expr, bool) {
    let col = |c: cases::Column| Expr::col((cases::Entity, c));
    match dim {
        Dimension::Agency => (col(cases::Column::LeadAgencyId), true),
        Dimension::OfficialGroup => (Expr::cust(official_group_sql()), false),
        Dimension::ViolationType => (col(cases::Column::ViolationType), false),
        Dimension::CommodityGroup => (col(cases::Column::CommodityGroup), false),
        Dimension::Commune => (col(cases::Column::CommuneId), true),
        Dimension::Channel => (col(cases::Column::Channel), false),
        Dimension::Platform => (col(cases::Column::Platform), false),
        Dimension::Campaign => (
            Expr::col((case_campaigns::Entity, case_campaigns::Column::CampaignId)),
            true,
        ),
        Dimension::Month => (Expr::cust(month_sql(backend)), true),
    }
}

/// The figures as the grouped statement reads them (`domain::figures` defines each).
const COLUMNS: Columns<'static> = Columns {
    status: "\"cases\".\"status\"",
    prosecuted_on: "\"investigation_records\".\"prosecuted_on\"",
    defendants: "\"investigation_records\".\"defendants\"",
    subjects: "\"cases\".\"subject_count\"",
    fine_amount: "\"cases\".\"fine_amount\"",
    tax_arrears: "\"cases\".\"tax_arrears\"",
    budget_collected: "\"cases\".\"budget_collected\"",
    goods_value: "\"cases\".\"goods_value\"",
};

/// `d BETWEEN from AND to` for one period, as SQL on the case's detection date.
fn in_period(backend: DatabaseBackend, r: DateRange) -> String {
    let lit = |d: chrono::NaiveDate| match backend {
        DatabaseBackend::Postgres => format!("DATE '{d}'"),
        _ => format!("'{d}'"),
    };
    format!(
        "\"cases\".\"detected_on\" BETWEEN {} AND {}",
        lit(r.from),
        lit(r.to)
    )
}

/// The grouped statement for the three periods at once (exposed for the benchmark, which
/// times it bare): one scan of the cases detected in any of them, each measure computed per
/// period with a `CASE` on the detection date. A case in two periods (the previous year is
/// also "last year" for a year) counts in both.
pub fn statement(
    backend: DatabaseBackend,
    cond: Condition,
    ranges: [DateRange; 3],
    dims: &[Dimension],
) -> SelectStatement {
    let mut q = Query::select();
    q.from(cases::Entity)
        .join(
            JoinType::LeftJoin,
            investigation_records::Entity,
            Condition::all()
                .add(
                    Expr::col((
                        investigation_records::Entity,
                        investigation_records::Column::CaseId,
                    ))
                    .equals((cases::Entity, cases::Column::Id)),
                )
                .add(
                    Expr::col((
                        investigation_records::Entity,
                        investigation_records::Column::ArchivedAt,
                    ))
                    .is_null(),
                ),
        )
        .cond_where(cond);
    let mut any = Condition::any();
    for r in ranges {
        any = any.add(
            Condition::all()
                .add(Expr::col((cases::Entity, cases::Column::DetectedOn)).gte(r.from))
                .add(Expr::col((cases::Entity, cases::Column::DetectedOn)).lte(r.to)),
        );
    }
    q.cond_where(any);
    if dims.contains(&Dimension::Campaign) {
        q.join(
            JoinType::LeftJoin,
            case_campaigns::Entity,
            Expr::col((case_campaigns::Entity, case_campaigns::Column::CaseId))
                .equals((cases::Entity, cases::Column::Id)),
        );
    }
    for (i, dim) in dims.iter().enumerate() {
        let (expr, _) = key_expr(*dim, backend);
        q.expr_as(expr.clone(), Alias::new(format!("k{i}")));
        q.add_group_by([expr]);
    }
    for (p, r) in ranges.iter().enumerate() {
        let when = in_period(backend, *r);
        for f in Figure::ALL {
            // The figure's row value counts only for cases of this period. CAST: PostgreSQL
            // sums BIGINT into NUMERIC; both sides read back a 64-bit integer.
            let sql = format!(
                "SUM(CASE WHEN {when} THEN {} ELSE 0 END)",
                f.per_case(&COLUMNS)
            );
            q.expr_as(
                Expr::cust(format!("CAST(COALESCE({sql}, 0) AS BIGINT)")),
                Alias::new(format!("p{p}_{}", f.name())),
            );
        }
    }
    q
}

/// Runs the grouped statement for the three periods.
pub async fn aggregate<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
    ranges: [DateRange; 3],
    dims: &[Dimension],
) -> AppResult<BTreeMap<Key, [Figures; 3]>> {
    let backend = db.get_database_backend();
    let q = statement(backend, cond, ranges, dims);
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let mut key = Vec::with_capacity(dims.len());
        for (i, dim) in dims.iter().enumerate() {
            let col = format!("k{i}");
            let (_, numeric) = key_expr(*dim, backend);
            key.push(if numeric {
                KeyPart::Id(row.try_get::<Option<i64>>("", &col)?)
            } else {
                KeyPart::Text(row.try_get::<Option<String>>("", &col)?)
            });
        }
        let mut figures = [Figures::default(); 3];
        for (p, f) in figures.iter_mut().enumerate() {
            let g = |n: &str| row.try_get::<i64>("", &format!("p{p}_{n}"));
            *f = Figures {
                cases_detected: g("cases_detected")?,
                handled_administratively: g("handled_administratively")?,
                handled_criminally: g("handled_criminally")?,
                subjects: g("subjects")?,
                prosecuted_cases: g("prosecuted_cases")?,
                defendants: g("defendants")?,
                fines: g("fines")?,
                tax_arrears: g("tax_arrears")?,
                budget_collected: g("budget_collected")?,
                goods_value: g("goods_value")?,
            };
        }
        out.insert(key, figures);
    }
    Ok(out)
}
