//! The figures, computed by the database: one `GROUP BY` statement over the cases detected in
//! the period, the previous period and the same period last year (conditional sums per period),
//! with the investigation record joined for prosecutions; the subject count is the case row's
//! own (`cases.subject_count`, kept by every subject write).
//!
//! When each period is whole reporting months and the filter names only columns of the
//! rollup key, the same figures come from the rollups (`case_rollups`, or
//! `case_rollups_any_status` without a status filter; kept by every case write:
//! [`super::rollups`]) in one statement over a few thousand rows instead of every case;
//! [`rollup_months`] alone decides, and both ways give the same rows.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult};

use entity::{case_campaigns, cases, investigation_records};

use crate::auth::Viewer;
use crate::domain::calendar::{DateRange, whole_months};
use crate::domain::figures::rollup::{self, Rollup};
use crate::domain::figures::{CASE_ROW, Figure, bounded_sum, reporting_month_sql};
use crate::domain::vocab::{OfficialGroup, ViolationType};
use crate::error::AppResult;
use crate::service::cases::{CaseFilterParams, case_condition, commune_scope, key_condition};

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
        Dimension::Month => (
            Expr::cust(reporting_month_sql(
                "\"cases\".\"detected_on\"",
                backend == DatabaseBackend::Postgres,
            )),
            true,
        ),
    }
}

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
    let postgres = backend == DatabaseBackend::Postgres;
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
            // The figure's row value counts only for cases of this period.
            let value = format!("CASE WHEN {when} THEN {} ELSE 0 END", f.per_case(&CASE_ROW));
            q.expr_as(
                Expr::cust(bounded_sum(postgres, &value)),
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
            let (_, numeric) = key_expr(*dim, backend);
            key.push(key_part(&row, &format!("k{i}"), numeric)?);
        }
        out.insert(key, figures_of(&row)?);
    }
    Ok(out)
}

/// A group key column of a result row: an id or a text.
fn key_part(row: &QueryResult, col: &str, numeric: bool) -> AppResult<KeyPart> {
    Ok(if numeric {
        KeyPart::Id(row.try_get::<Option<i64>>("", col)?)
    } else {
        KeyPart::Text(row.try_get::<Option<String>>("", col)?)
    })
}

/// The three periods' figures of a result row (columns `p<period>_<figure>`).
fn figures_of(row: &QueryResult) -> AppResult<[Figures; 3]> {
    Ok([
        figures_at(row, "p0_")?,
        figures_at(row, "p1_")?,
        figures_at(row, "p2_")?,
    ])
}

/// The figures of a result row in the columns `<prefix><figure>`.
fn figures_at(row: &QueryResult, prefix: &str) -> AppResult<Figures> {
    let g = |n: &str| row.try_get::<i64>("", &format!("{prefix}{n}"));
    Ok(Figures {
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
    })
}

/// Sums stop at `i64::MAX`, as the statements' sums do ([`bounded_sum`]): one
/// agency's absurd amounts (9 250 cases at 10^15 đồng) overflowed the sum of two groups and
/// panicked the request of every viewer of the month (a review of stop 37).
impl std::ops::AddAssign for Figures {
    fn add_assign(&mut self, f: Figures) {
        let add = |a: &mut i64, b: i64| *a = a.saturating_add(b);
        add(&mut self.cases_detected, f.cases_detected);
        add(
            &mut self.handled_administratively,
            f.handled_administratively,
        );
        add(&mut self.handled_criminally, f.handled_criminally);
        add(&mut self.subjects, f.subjects);
        add(&mut self.prosecuted_cases, f.prosecuted_cases);
        add(&mut self.defendants, f.defendants);
        add(&mut self.fines, f.fines);
        add(&mut self.tax_arrears, f.tax_arrears);
        add(&mut self.budget_collected, f.budget_collected);
        add(&mut self.goods_value, f.goods_value);
    }
}

/// What the statistics count: the cases in the viewer's scope that match the filter.
#[derive(Debug, Clone)]
pub struct Counted {
    /// As a condition on `cases` (archive, scope, filters): the grouped statement's.
    pub cond: Condition,
    /// The viewer's commune, when it sees one commune's cases only.
    pub scope: Option<i64>,
    /// The filter `cond` was made of.
    pub filter: CaseFilterParams,
}

impl Counted {
    /// The cases `viewer` may count that match `filter`: the scope and filters of `cases`.
    pub fn cases(viewer: &Viewer, filter: CaseFilterParams) -> AppResult<Counted> {
        Ok(Counted {
            cond: case_condition(viewer, &filter, None)?,
            scope: commune_scope(viewer)?,
            filter,
        })
    }

    /// Every case that is not archived (the press's province-wide figures).
    pub fn province() -> Counted {
        use sea_orm::ColumnTrait;
        Counted {
            cond: Condition::all().add(cases::Column::ArchivedAt.is_null()),
            scope: None,
            filter: CaseFilterParams::default(),
        }
    }
}

/// Where the figures are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The rollups when they answer exactly ([`rollup_months`]), else the cases.
    Auto,
    /// The grouped statements over the cases, always: the reference the rollups are checked
    /// against.
    Cases,
}

/// The one rule of when the rollups answer exactly what the grouped statement over the cases
/// would, and over which reporting months (`YYYYMM`, first and last, for each of the three
/// periods): each period is whole reporting months (the official kinds always are, a range
/// or a campaign's dates rarely), every filter names a column of the rollup key (not the
/// campaign, the detection dates or a restricted filter), and no dimension needs the case's
/// campaigns.
pub fn rollup_months(
    filter: &CaseFilterParams,
    ranges: &[DateRange; 3],
    dims: &[Dimension],
) -> Option<[(i64, i64); 3]> {
    // Spelled out, so that a new filter has to be classified here.
    let CaseFilterParams {
        status: _,
        violation_type: _,
        commodity_group: _,
        channel: _,
        platform: _,
        lead_agency: _,
        commune: _,
        campaign,
        detected_from,
        detected_to,
        subject_name,
        subject_id_number,
        declaration_number,
        hs_code,
    } = filter;
    let on_key = campaign.is_none()
        && detected_from.is_none()
        && detected_to.is_none()
        && subject_name.is_none()
        && subject_id_number.is_none()
        && declaration_number.is_none()
        && hs_code.is_none();
    if !on_key || dims.contains(&Dimension::Campaign) {
        return None;
    }
    Some([
        whole_months(ranges[0])?,
        whole_months(ranges[1])?,
        whole_months(ranges[2])?,
    ])
}

/// What `statistics` shows: the rows by `dims` (none without dimensions), the official groups
/// present, and the total, each for the three periods.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Grouped {
    pub rows: BTreeMap<Key, [Figures; 3]>,
    pub groups: BTreeMap<Key, [Figures; 3]>,
    pub total: [Figures; 3],
}

/// The figures of `statistics`: from the rollups in one statement when [`rollup_months`]
/// allows it (and `via` does not ask for the cases), else from the cases in three grouped
/// statements run at once on separate pool connections.
pub async fn grouped<C: ConnectionTrait>(
    db: &C,
    counted: &Counted,
    ranges: [DateRange; 3],
    dims: &[Dimension],
    via: Via,
) -> AppResult<Grouped> {
    if via == Via::Auto
        && let Some(months) = rollup_months(&counted.filter, &ranges, dims)
    {
        return from_rollups(db, counted, months, dims).await;
    }
    let rows = async {
        if dims.is_empty() {
            Ok(BTreeMap::new())
        } else {
            aggregate(db, counted.cond.clone(), ranges, dims).await
        }
    };
    let (rows, groups, total) = tokio::try_join!(
        rows,
        aggregate(
            db,
            counted.cond.clone(),
            ranges,
            &[Dimension::OfficialGroup]
        ),
        aggregate(db, counted.cond.clone(), ranges, &[]),
    )?;
    Ok(Grouped {
        rows,
        groups,
        total: total.into_values().next().unwrap_or_default(),
    })
}

/// The rollup column a dimension reads (the official group derives from the violation type).
fn rollup_column(dim: Dimension) -> Option<&'static str> {
    match dim {
        Dimension::Agency => Some("lead_agency_id"),
        Dimension::OfficialGroup | Dimension::ViolationType => Some("violation_type"),
        Dimension::CommodityGroup => Some("commodity_group"),
        Dimension::Commune => Some("commune_id"),
        Dimension::Channel => Some("channel"),
        Dimension::Platform => Some("platform"),
        Dimension::Month => Some("month"),
        Dimension::Campaign => None,
    }
}

/// Every rollup column a statement reads: those it groups by, and those `key_condition`
/// filters on (the viewer's commune, the filters). The coarsest table holding them all answers
/// ([`Rollup::covering`]): each key part left out divides the rows read (the status alone
/// multiplies them by seven).
fn read_columns(counted: &Counted, grouped: &[&'static str]) -> Vec<&'static str> {
    let mut columns = grouped.to_vec();
    columns.extend(crate::service::cases::key_columns(
        counted.scope,
        &counted.filter,
    ));
    columns
}

/// The rollup statement: the rows of the periods' months grouped by `columns` (the month, the
/// violation type and the dimensions' columns), each figure summed. Per month rather than per
/// period: ten sums a row instead of thirty conditional ones, and a month may count in two
/// periods (a year's previous period is also last year's); the periods are summed here.
fn rollup_statement(
    backend: DatabaseBackend,
    counted: &Counted,
    months: [(i64, i64); 3],
    columns: &[&'static str],
) -> AppResult<SelectStatement> {
    let postgres = backend == DatabaseBackend::Postgres;
    let rollup = Rollup::covering(&read_columns(counted, columns));
    let table = || Alias::new(rollup.table());
    let col = |c: &str| Expr::col((table(), Alias::new(c)));
    let mut any = Condition::any();
    for (first, last) in months {
        any = any.add(col("month").between(first, last));
    }
    // A row whose cases all left its key holds only zeros: not a group of the statement.
    let cond = Condition::all()
        .add(col(Figure::CasesDetected.name()).ne(0))
        .add(any);
    let mut q = Query::select();
    q.from(table()).cond_where(key_condition(
        cond,
        table(),
        counted.scope,
        &counted.filter,
    )?);
    for (i, c) in columns.iter().enumerate() {
        q.expr_as(col(c), Alias::new(format!("k{i}")));
        q.add_group_by([col(c)]);
    }
    for f in Figure::ALL {
        let column = format!("\"{}\".\"{}\"", rollup.table(), f.name());
        q.expr_as(
            Expr::cust(bounded_sum(postgres, &column)),
            Alias::new(f.name()),
        );
    }
    Ok(q)
}

/// [`grouped`] from the rollups: one statement, then rows, groups and total summed here.
async fn from_rollups<C: ConnectionTrait>(
    db: &C,
    counted: &Counted,
    months: [(i64, i64); 3],
    dims: &[Dimension],
) -> AppResult<Grouped> {
    let mut columns: Vec<&'static str> = vec!["violation_type", "month"];
    for c in dims.iter().filter_map(|d| rollup_column(*d)) {
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    let backend = db.get_database_backend();
    let q = rollup_statement(backend, counted, months, &columns)?;
    let mut out = Grouped::default();
    for row in db.query_all_raw(backend.build(&q)).await? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            // The stored sentinels of a NULL key part read back as none.
            values.push(
                match key_part(&row, &format!("k{i}"), rollup::ID_KEY.contains(c))? {
                    KeyPart::Id(Some(rollup::NO_ID)) => KeyPart::Id(None),
                    KeyPart::Text(Some(t)) if t == rollup::NO_TEXT => KeyPart::Text(None),
                    part => part,
                },
            );
        }
        let group = KeyPart::Text(match &values[0] {
            KeyPart::Text(Some(t)) => {
                ViolationType::parse(t).map(|t| t.official_group().as_str().to_string())
            }
            _ => None,
        });
        let mut key = Vec::with_capacity(dims.len());
        for dim in dims {
            key.push(match (dim, rollup_column(*dim)) {
                (Dimension::OfficialGroup, _) => group.clone(),
                (_, Some(c)) => {
                    let i = columns.iter().position(|x| *x == c).unwrap_or(0);
                    values[i].clone()
                }
                // `rollup_months` keeps the campaign dimension off the rollups.
                (_, None) => KeyPart::Id(None),
            });
        }
        let figures = figures_at(&row, "")?;
        let month = match values[1] {
            KeyPart::Id(Some(m)) => m,
            _ => continue,
        };
        for (p, (first, last)) in months.iter().enumerate() {
            if !(*first..=*last).contains(&month) {
                continue;
            }
            if !dims.is_empty() {
                out.rows.entry(key.clone()).or_default()[p] += figures;
            }
            out.groups.entry(vec![group.clone()]).or_default()[p] += figures;
            out.total[p] += figures;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::PeriodSpec;
    use crate::domain::vocab::{CaseStatus, Platform};
    use chrono::NaiveDate;

    /// A dashboard by agency and group reads the coarse table; a filter or a dimension outside
    /// its key moves the statement to a table that has it.
    #[test]
    fn the_coarsest_rollup_holding_every_column_read_answers() {
        let counted = |filter: CaseFilterParams, scope: Option<i64>| Counted {
            cond: Condition::all(),
            scope,
            filter,
        };
        let by_group = ["month", "violation_type", "lead_agency_id"];
        let pick = |c: &Counted, g: &[&'static str]| Rollup::covering(&read_columns(c, g));
        assert_eq!(
            pick(&counted(CaseFilterParams::default(), None), &by_group),
            Rollup::ByAgency
        );
        assert_eq!(
            pick(&counted(CaseFilterParams::default(), Some(3)), &by_group),
            Rollup::AnyStatus,
            "a commune user's scope is a commune"
        );
        assert_eq!(
            pick(
                &counted(CaseFilterParams::default(), None),
                &["month", "violation_type", "channel"]
            ),
            Rollup::AnyStatus
        );
        let with_status = CaseFilterParams {
            status: vec![CaseStatus::Prosecuted],
            ..Default::default()
        };
        assert_eq!(
            pick(&counted(with_status, None), &by_group),
            Rollup::ByStatus
        );
        let on_platform = CaseFilterParams {
            platform: vec![Platform::Facebook],
            ..Default::default()
        };
        assert_eq!(
            pick(&counted(on_platform, None), &by_group),
            Rollup::AnyStatus
        );
    }

    fn ranges(spec: PeriodSpec) -> [DateRange; 3] {
        [
            spec.range().unwrap(),
            spec.previous().unwrap(),
            spec.last_year().unwrap(),
        ]
    }

    #[test]
    fn the_rollups_answer_official_periods_filtered_on_their_key() {
        let year = ranges(PeriodSpec::Year { year: 2026 });
        let month = ranges(PeriodSpec::Month {
            year: 2026,
            month: 1,
        });
        let none = CaseFilterParams::default();
        assert_eq!(
            rollup_months(&none, &year, &[]),
            Some([(202601, 202612), (202501, 202512), (202501, 202512)])
        );
        assert_eq!(
            rollup_months(&none, &month, &[Dimension::Month]),
            Some([(202601, 202601), (202512, 202512), (202501, 202501)])
        );
        let on_key = CaseFilterParams {
            status: vec![CaseStatus::Closed],
            platform: vec![Platform::Shopee],
            lead_agency: Some("HQ".into()),
            commune: Some("DONG_DANG".into()),
            ..Default::default()
        };
        let all_but_campaign = [
            Dimension::Agency,
            Dimension::OfficialGroup,
            Dimension::ViolationType,
            Dimension::CommodityGroup,
            Dimension::Commune,
            Dimension::Channel,
            Dimension::Platform,
            Dimension::Month,
        ];
        assert!(rollup_months(&on_key, &year, &all_but_campaign).is_some());
    }

    #[test]
    fn the_cases_answer_everything_else() {
        let year = ranges(PeriodSpec::Year { year: 2026 });
        let none = CaseFilterParams::default();
        assert_eq!(rollup_months(&none, &year, &[Dimension::Campaign]), None);
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // A range of whole months is compared with as many days before: not whole months.
        let range = ranges(PeriodSpec::Range(DateRange {
            from: d(4, 15),
            to: d(5, 14),
        }));
        assert_eq!(rollup_months(&none, &range, &[]), None);
        let campaign = ranges(PeriodSpec::Range(DateRange {
            from: d(5, 7),
            to: d(5, 30),
        }));
        assert_eq!(rollup_months(&none, &campaign, &[]), None);
        for filter in [
            CaseFilterParams {
                campaign: Some("SHTT_2026".into()),
                ..Default::default()
            },
            CaseFilterParams {
                detected_from: Some(d(1, 1)),
                ..Default::default()
            },
            CaseFilterParams {
                detected_to: Some(d(1, 1)),
                ..Default::default()
            },
            CaseFilterParams {
                subject_name: Some("An".into()),
                ..Default::default()
            },
            CaseFilterParams {
                subject_id_number: Some("001".into()),
                ..Default::default()
            },
            CaseFilterParams {
                declaration_number: Some("105".into()),
                ..Default::default()
            },
            CaseFilterParams {
                hs_code: Some("0207".into()),
                ..Default::default()
            },
        ] {
            assert_eq!(rollup_months(&filter, &year, &[]), None, "{filter:?}");
        }
    }
}
