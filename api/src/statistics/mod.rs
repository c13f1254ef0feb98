//! Leaders' statistics by official reporting period, with the previous period and the same
//! period last year, grand totals and the three official groups. Every figure is computed by
//! the database (see [`service`]).

pub mod compliance;
pub mod export;
pub mod periods;
pub mod service;

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use entity::{campaigns, cases};

use crate::access::case_scope;
use crate::auth::{Role, Viewer};
use crate::cases::CaseFilter;
use crate::cases::service::{CaseFilterParams, case_condition};
use crate::directives::Campaign;
use crate::error::{AppError, AppResult};
use crate::graphql::{Vnd, db, loaders, viewer};
use crate::loaders::one;
use crate::reference::{Agency, Commune};
use crate::vocab::*;
use periods::{DateRange, PeriodSpec};
use service::{Dimension, Figures, Key, KeyPart};

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum StatisticsPeriodKind {
    Month,
    Quarter,
    SixMonths,
    NineMonths,
    Year,
    /// A campaign's own dates (`campaign` code).
    Campaign,
    /// Any range (`from`, `to`).
    Range,
}

/// A reporting period: `MONTH` (year, month), `QUARTER` (year, quarter), `SIX_MONTHS`,
/// `NINE_MONTHS`, `YEAR` (year), `CAMPAIGN` (campaign) or `RANGE` (from, to).
#[derive(InputObject, Clone)]
pub struct PeriodInput {
    pub kind: StatisticsPeriodKind,
    pub year: Option<i32>,
    pub month: Option<i32>,
    pub quarter: Option<i32>,
    pub campaign: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

fn need<T>(v: Option<T>, name: &str) -> AppResult<T> {
    v.ok_or_else(|| AppError::bad_input(format!("this period kind needs `{name}`")))
}

/// Resolves a period input (a campaign's dates come from the database).
pub async fn period_spec(
    db: &sea_orm::DatabaseConnection,
    p: &PeriodInput,
) -> AppResult<PeriodSpec> {
    use StatisticsPeriodKind as K;
    let u =
        |v: i32| u32::try_from(v).map_err(|_| AppError::bad_input("a period number is negative"));
    Ok(match p.kind {
        K::Month => PeriodSpec::Month {
            year: need(p.year, "year")?,
            month: u(need(p.month, "month")?)?,
        },
        K::Quarter => PeriodSpec::Quarter {
            year: need(p.year, "year")?,
            quarter: u(need(p.quarter, "quarter")?)?,
        },
        K::SixMonths => PeriodSpec::SixMonths {
            year: need(p.year, "year")?,
        },
        K::NineMonths => PeriodSpec::NineMonths {
            year: need(p.year, "year")?,
        },
        K::Year => PeriodSpec::Year {
            year: need(p.year, "year")?,
        },
        K::Range => PeriodSpec::Range(DateRange {
            from: need(p.from, "from")?,
            to: need(p.to, "to")?,
        }),
        K::Campaign => {
            let code = need(p.campaign.clone(), "campaign")?;
            let c = campaigns::Entity::find()
                .filter(campaigns::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| AppError::bad_input(format!("unknown campaign code `{code}`")))?;
            PeriodSpec::Range(DateRange {
                from: c.starts_on,
                to: c.ends_on,
            })
        }
    })
}

/// The rows the viewer may count: the case scope and filters of `cases`, with the press
/// limited to province-wide figures by official group.
pub fn statistics_condition(
    viewer: &Viewer,
    dims: &[Dimension],
    filter: Option<CaseFilter>,
) -> AppResult<Condition> {
    match viewer.role {
        Role::Admin => Err(AppError::forbidden("your role may not read statistics")),
        Role::Press => {
            if dims.iter().any(|d| *d != Dimension::OfficialGroup) {
                return Err(AppError::forbidden(
                    "the press reads public statistics: province-wide, by official group only",
                ));
            }
            if filter.is_some() {
                return Err(AppError::forbidden(
                    "the press reads public statistics: no filters",
                ));
            }
            Ok(Condition::all().add(cases::Column::ArchivedAt.is_null()))
        }
        _ => {
            case_scope(viewer)?;
            let params: CaseFilterParams = filter.map(Into::into).unwrap_or_default();
            case_condition(viewer, &params, None)
        }
    }
}

/// The press reads official periods only: a one-day range or a campaign's dates could single out
/// one unpublished case's figures.
pub fn check_press_period(viewer: &Viewer, period: &PeriodInput) -> AppResult<()> {
    if viewer.role == Role::Press
        && matches!(
            period.kind,
            StatisticsPeriodKind::Range | StatisticsPeriodKind::Campaign
        )
    {
        return Err(AppError::forbidden(
            "the press reads public statistics for official periods (month, quarter, six or nine months, year)",
        ));
    }
    Ok(())
}

/// The three periods' figures, keyed by group.
pub struct Computed {
    pub dims: Vec<Dimension>,
    pub range: DateRange,
    pub previous: DateRange,
    pub last_year: DateRange,
    pub rows: Vec<(Key, [Figures; 3])>,
    pub groups: Vec<(Key, [Figures; 3])>,
    pub total: [Figures; 3],
    /// Cells were withheld ([`suppress_small_cells`]).
    pub suppressed: bool,
}

/// Small-cell suppression for the press: no published cell may count fewer than `k` cases
/// (`HUB389_SMALL_CELL_K`), or a reader could single out one case — an unpublished one's goods
/// value, say — from a MONTH × group table. A row with such a cell in any of its three periods
/// is withheld whole; then, because totals minus the rows shown give the sum of the rows
/// withheld, more rows (smallest first) are withheld until that sum is 0 or at least `k` in
/// every period. A grand total below `k` is shown as zero. `suppressed` tells the reader.
pub fn suppress_small_cells(c: &mut Computed, k: i64) {
    let small = |n: i64| n > 0 && n < k;
    let mut any = false;
    for list in [&mut c.rows, &mut c.groups] {
        let mut hidden: Vec<bool> = list
            .iter()
            .map(|(_, f)| f.iter().any(|p| small(p.cases_detected)))
            .collect();
        loop {
            let mut changed = false;
            for p in 0..3 {
                let residual: i64 = list
                    .iter()
                    .zip(&hidden)
                    .filter(|(_, h)| **h)
                    .map(|((_, f), _)| f[p].cases_detected)
                    .sum();
                if small(residual) {
                    let next = list
                        .iter()
                        .enumerate()
                        .filter(|(i, (_, f))| !hidden[*i] && f[p].cases_detected > 0)
                        .min_by_key(|(_, (_, f))| f[p].cases_detected)
                        .map(|(i, _)| i);
                    if let Some(i) = next {
                        hidden[i] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if hidden.iter().any(|h| *h) {
            any = true;
            let mut i = 0;
            list.retain(|_| {
                let keep = !hidden[i];
                i += 1;
                keep
            });
        }
    }
    for p in 0..3 {
        if small(c.total[p].cases_detected) {
            c.total[p] = Figures::default();
            any = true;
        }
    }
    c.suppressed = any;
}

async fn three(
    db: &sea_orm::DatabaseConnection,
    cond: &Condition,
    ranges: [DateRange; 3],
    dims: &[Dimension],
) -> AppResult<Vec<(Key, [Figures; 3])>> {
    Ok(service::aggregate(db, cond.clone(), ranges, dims)
        .await?
        .into_iter()
        .collect())
}

/// Computes rows, official groups and totals for a period.
pub async fn compute(
    db: &sea_orm::DatabaseConnection,
    cond: Condition,
    spec: PeriodSpec,
    dims: Vec<Dimension>,
) -> AppResult<Computed> {
    let ranges = [spec.range()?, spec.previous()?, spec.last_year()?];
    // The three statements are independent: they run at once, on separate pool connections.
    let rows = async {
        if dims.is_empty() {
            Ok(vec![])
        } else {
            three(db, &cond, ranges, &dims).await
        }
    };
    let (rows, mut groups, total_rows) = tokio::try_join!(
        rows,
        three(db, &cond, ranges, &[Dimension::OfficialGroup]),
        three(db, &cond, ranges, &[]),
    )?;
    // Every official group appears, even with nothing to count.
    for g in [
        OfficialGroup::SmugglingAndProhibited,
        OfficialGroup::TradeAndTaxFraud,
        OfficialGroup::CounterfeitAndIp,
    ] {
        let key = vec![KeyPart::Text(Some(g.as_str().to_string()))];
        if !groups.iter().any(|(k, _)| *k == key) {
            groups.push((key, [Figures::default(); 3]));
        }
    }
    groups.sort_by_key(|(k, _)| match &k[0] {
        KeyPart::Text(Some(s)) => OfficialGroup::parse(s).map(|g| g as u8).unwrap_or(9),
        _ => 9,
    });
    let total = total_rows
        .into_iter()
        .next()
        .map(|(_, f)| f)
        .unwrap_or_default();
    Ok(Computed {
        dims,
        range: ranges[0],
        previous: ranges[1],
        last_year: ranges[2],
        rows,
        groups,
        total,
        suppressed: false,
    })
}

#[derive(Default)]
pub struct StatisticsQuery;

fn check_dims(dims: &[Dimension]) -> AppResult<Vec<Dimension>> {
    let mut out = vec![];
    for d in dims {
        if out.contains(d) {
            return Err(AppError::bad_input(
                "a dimension is listed twice in `groupBy`",
            ));
        }
        out.push(*d);
    }
    if out.len() > 4 {
        return Err(AppError::bad_input("group by at most 4 dimensions"));
    }
    Ok(out)
}

#[Object]
impl StatisticsQuery {
    /// Figures for a reporting period grouped by `groupBy`, each with the previous period's
    /// value, the same period last year's and the change in percent.
    #[graphql(complexity = "crate::graphql::cost::statistics(&period, child_complexity)")]
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        period: PeriodInput,
        #[graphql(default)] group_by: Vec<Dimension>,
        filter: Option<CaseFilter>,
    ) -> Result<Statistics> {
        let v = viewer(ctx)?;
        let dims = check_dims(&group_by)?;
        if let Some(f) = &filter {
            let params = crate::cases::service::CaseFilterParams::from(f.clone());
            crate::cases::note_restricted_filter(ctx, "statisticsSearch", &params);
        }
        let cond = statistics_condition(v, &dims, filter)?;
        check_press_period(v, &period)?;
        let db = db(ctx)?;
        let spec = period_spec(db, &period).await?;
        let mut computed = compute(db, cond, spec, dims).await?;
        if v.role == crate::auth::Role::Press {
            let k = crate::graphql::services(ctx)?.workflow.small_cell_k;
            suppress_small_cells(&mut computed, k);
        }
        Ok(Statistics(computed))
    }
}

#[derive(SimpleObject, Clone, Copy)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl From<DateRange> for Period {
    fn from(r: DateRange) -> Self {
        Period {
            from: r.from,
            to: r.to,
        }
    }
}

pub struct Statistics(pub Computed);

#[Object]
impl Statistics {
    async fn period(&self) -> Period {
        self.0.range.into()
    }
    async fn previous_period(&self) -> Period {
        self.0.previous.into()
    }
    async fn same_period_last_year(&self) -> Period {
        self.0.last_year.into()
    }
    async fn group_by(&self) -> Vec<Dimension> {
        self.0.dims.clone()
    }
    /// One row per combination of the `groupBy` values present.
    async fn rows(&self) -> Vec<StatisticsRow> {
        self.0
            .rows
            .iter()
            .map(|(k, f)| StatisticsRow {
                dims: self.0.dims.clone(),
                key: k.clone(),
                figures: *f,
            })
            .collect()
    }
    /// The three official groups (1)–(3), always all three.
    async fn official_groups(&self) -> Vec<StatisticsRow> {
        self.0
            .groups
            .iter()
            .map(|(k, f)| StatisticsRow {
                dims: vec![Dimension::OfficialGroup],
                key: k.clone(),
                figures: *f,
            })
            .collect()
    }
    /// Grand totals.
    async fn total(&self) -> StatisticsFigures {
        StatisticsFigures(self.0.total)
    }
    /// Whether cells counting fewer than k cases were withheld (rows left out, a small total
    /// shown as zero). Only the press's statistics are suppressed.
    async fn suppressed(&self) -> bool {
        self.0.suppressed
    }
}

pub struct StatisticsRow {
    dims: Vec<Dimension>,
    key: Key,
    figures: [Figures; 3],
}

impl StatisticsRow {
    fn part(&self, d: Dimension) -> Option<&KeyPart> {
        self.dims.iter().position(|x| *x == d).map(|i| &self.key[i])
    }
    fn text(&self, d: Dimension) -> Option<&str> {
        match self.part(d) {
            Some(KeyPart::Text(Some(s))) => Some(s),
            _ => None,
        }
    }
    fn id(&self, d: Dimension) -> Option<i64> {
        match self.part(d) {
            Some(KeyPart::Id(Some(i))) => Some(*i),
            _ => None,
        }
    }
}

#[Object]
impl StatisticsRow {
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        let Some(id) = self.id(Dimension::Agency) else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx)?.agency, id).await?.map(Agency))
    }
    async fn official_group(&self) -> Option<OfficialGroup> {
        self.text(Dimension::OfficialGroup)
            .and_then(OfficialGroup::parse)
    }
    async fn violation_type(&self) -> Option<ViolationType> {
        self.text(Dimension::ViolationType)
            .and_then(ViolationType::parse)
    }
    async fn commodity_group(&self) -> Option<CommodityGroup> {
        self.text(Dimension::CommodityGroup)
            .and_then(CommodityGroup::parse)
    }
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        let Some(id) = self.id(Dimension::Commune) else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx)?.commune, id).await?.map(Commune))
    }
    async fn channel(&self) -> Option<Channel> {
        self.text(Dimension::Channel).and_then(Channel::parse)
    }
    async fn platform(&self) -> Option<Platform> {
        self.text(Dimension::Platform).and_then(Platform::parse)
    }
    #[graphql(visible = "crate::access::not_press_visible")]
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<Campaign>> {
        let Some(id) = self.id(Dimension::Campaign) else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx)?.campaign, id).await?.map(Campaign))
    }
    /// Reporting month `YYYY-MM` (the 15th of the previous month to the 14th).
    async fn month(&self) -> Option<String> {
        self.id(Dimension::Month)
            .map(|m| format!("{:04}-{:02}", m / 100, m % 100))
    }
    async fn figures(&self) -> StatisticsFigures {
        StatisticsFigures(self.figures)
    }
}

/// Figures of the period with their comparisons.
pub struct StatisticsFigures(pub [Figures; 3]);

/// Change in percent from `base` to `value`; `null` where the base is zero.
pub fn change(value: i64, base: i64) -> Option<f64> {
    if base == 0 {
        None
    } else {
        Some(((value - base) as f64 / base as f64 * 1000.0).round() / 10.0)
    }
}

/// A count with its comparisons.
#[derive(SimpleObject)]
pub struct Figure {
    pub value: i64,
    pub previous: i64,
    pub last_year: i64,
    /// Percent change from the previous period (`null` when that was zero).
    pub change_from_previous: Option<f64>,
    /// Percent change from the same period last year (`null` when that was zero).
    pub change_from_last_year: Option<f64>,
}

/// An amount in VND with its comparisons.
#[derive(SimpleObject)]
pub struct MoneyFigure {
    pub value: Vnd,
    pub previous: Vnd,
    pub last_year: Vnd,
    pub change_from_previous: Option<f64>,
    pub change_from_last_year: Option<f64>,
}

fn figure(f: &[Figures; 3], pick: fn(&Figures) -> i64) -> Figure {
    let (v, p, l) = (pick(&f[0]), pick(&f[1]), pick(&f[2]));
    Figure {
        value: v,
        previous: p,
        last_year: l,
        change_from_previous: change(v, p),
        change_from_last_year: change(v, l),
    }
}

fn money(f: &[Figures; 3], pick: fn(&Figures) -> i64) -> MoneyFigure {
    let (v, p, l) = (pick(&f[0]), pick(&f[1]), pick(&f[2]));
    MoneyFigure {
        value: Vnd(v),
        previous: Vnd(p),
        last_year: Vnd(l),
        change_from_previous: change(v, p),
        change_from_last_year: change(v, l),
    }
}

#[Object]
impl StatisticsFigures {
    async fn cases_detected(&self) -> Figure {
        figure(&self.0, |f| f.cases_detected)
    }
    async fn cases_handled_administratively(&self) -> Figure {
        figure(&self.0, |f| f.handled_administratively)
    }
    /// Transferred to the police, prosecuted, or closed after prosecution.
    async fn cases_handled_criminally(&self) -> Figure {
        figure(&self.0, |f| f.handled_criminally)
    }
    /// Persons and organisations involved (a count only: no identity leaves the police
    /// compartment through statistics).
    async fn subject_count(&self) -> Figure {
        figure(&self.0, |f| f.subjects)
    }
    async fn prosecuted_cases(&self) -> Figure {
        figure(&self.0, |f| f.prosecuted_cases)
    }
    async fn defendants(&self) -> Figure {
        figure(&self.0, |f| f.defendants)
    }
    async fn fines(&self) -> MoneyFigure {
        money(&self.0, |f| f.fines)
    }
    async fn tax_arrears(&self) -> MoneyFigure {
        money(&self.0, |f| f.tax_arrears)
    }
    /// Total collected for the state budget.
    async fn budget_collected(&self) -> MoneyFigure {
        money(&self.0, |f| f.budget_collected)
    }
    async fn goods_value(&self) -> MoneyFigure {
        money(&self.0, |f| f.goods_value)
    }
}

#[cfg(test)]
mod suppression_tests {
    use super::*;

    fn figures(counts: [i64; 3]) -> [Figures; 3] {
        counts.map(|n| Figures {
            cases_detected: n,
            goods_value: n * 1_000_000,
            ..Figures::default()
        })
    }

    fn computed(rows: &[[i64; 3]]) -> Computed {
        let range = DateRange {
            from: chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 2, 14).unwrap(),
        };
        let mut total = [0i64; 3];
        for r in rows {
            for p in 0..3 {
                total[p] += r[p];
            }
        }
        Computed {
            dims: vec![Dimension::ViolationType],
            range,
            previous: range,
            last_year: range,
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| (vec![KeyPart::Id(Some(i as i64))], figures(*r)))
                .collect(),
            groups: vec![],
            total: figures(total),
            suppressed: false,
        }
    }

    /// Every cell shown, and every residual (total minus shown), is 0 or at least k.
    fn safe(c: &Computed, total: [i64; 3], k: i64) -> bool {
        (0..3).all(|p| {
            let shown: i64 = c.rows.iter().map(|(_, f)| f[p].cases_detected).sum();
            let cells_ok = c
                .rows
                .iter()
                .all(|(_, f)| f[p].cases_detected == 0 || f[p].cases_detected >= k);
            let residual = total[p] - shown;
            // A total shown as zero (withheld) leaves nothing to subtract from.
            let withheld_total = c.total[p].cases_detected == 0;
            cells_ok && (withheld_total || residual == 0 || residual >= k)
        })
    }

    #[test]
    fn no_cell_and_no_difference_singles_out_a_case() {
        let mut rng = fastrand::Rng::with_seed(389);
        for _ in 0..2000 {
            let n = rng.usize(1..8);
            let rows: Vec<[i64; 3]> = (0..n)
                .map(|_| [rng.i64(0..6), rng.i64(0..6), rng.i64(0..6)])
                .collect();
            let mut total = [0i64; 3];
            for r in &rows {
                for p in 0..3 {
                    total[p] += r[p];
                }
            }
            let mut c = computed(&rows);
            suppress_small_cells(&mut c, 3);
            assert!(safe(&c, total, 3), "{rows:?}");
            for p in 0..3 {
                let t = c.total[p].cases_detected;
                assert!(t == 0 || t >= 3);
            }
        }
    }

    #[test]
    fn large_cells_are_kept_as_they_are() {
        let mut c = computed(&[[5, 4, 3], [10, 0, 7]]);
        suppress_small_cells(&mut c, 3);
        assert_eq!(c.rows.len(), 2);
        assert!(!c.suppressed);
        let mut c = computed(&[[5, 4, 3], [1, 0, 0], [9, 9, 9]]);
        suppress_small_cells(&mut c, 3);
        assert!(c.suppressed);
        assert_eq!(
            c.rows.len(),
            1,
            "the one-case row and, to hide it, the next smallest"
        );
    }
}
