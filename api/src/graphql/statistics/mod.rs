//! Leaders' statistics by official reporting period, with the previous period and the same
//! period last year, grand totals and the three official groups. Every figure is computed by
//! the database (see [`service`]).

pub mod compliance;

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use entity::campaigns;

use crate::auth::Viewer;
use crate::domain::access::{PoliceFigures, StatisticsScope, police_figures, statistics_scope};
use crate::domain::calendar::{DateRange, PeriodSpec};
use crate::domain::vocab::*;
use crate::error::{AppError, AppResult};
use crate::graphql::cases::CaseFilter;
use crate::graphql::context::{Date, Vnd, db, loaders, viewer};
use crate::graphql::directives::Campaign;
use crate::graphql::loaders::one;
use crate::graphql::reference::{Agency, Commune};
use crate::service::cases::CaseFilterParams;
use crate::service::statistics::{self as service, Counted, Dimension, Figures, Key, KeyPart, Via};

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum StatisticsPeriodKind {
    Month,
    Quarter,
    SixMonths,
    NineMonths,
    Year,
    /// A campaign's own dates (`campaign` code).
    #[graphql(visible = "crate::graphql::guards::case_statistics_visible")]
    Campaign,
    /// Any range (`from`, `to`).
    #[graphql(visible = "crate::graphql::guards::case_statistics_visible")]
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
    #[graphql(visible = "crate::graphql::guards::case_statistics_visible")]
    pub campaign: Option<String>,
    #[graphql(visible = "crate::graphql::guards::case_statistics_visible")]
    pub from: Option<Date>,
    #[graphql(visible = "crate::graphql::guards::case_statistics_visible")]
    pub to: Option<Date>,
}

fn need<T>(v: Option<T>, name: &str) -> AppResult<T> {
    v.ok_or_else(|| AppError::bad_input(format!("this period kind needs `{name}`")))
}

/// The campaign `code` names, within the viewer's campaign scope: one it may not list is an
/// unknown code, as one that does not exist.
pub async fn campaign_in_scope(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    code: &str,
) -> AppResult<campaigns::Model> {
    let code = code.trim();
    campaigns::Entity::find()
        .filter(campaigns::Column::Code.eq(code))
        .filter(crate::service::scopes::campaigns(viewer)?)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(format!("unknown campaign code `{code}`")))
}

/// Resolves a period input. A campaign's dates come from the database, within the viewer's
/// campaign scope: one it may not list is an unknown code (a review of stop 34 read the
/// dates of campaigns hidden from a commune user, and learnt which codes exist, here).
pub async fn period_spec(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
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
            from: need(p.from, "from")?.into(),
            to: need(p.to, "to")?.into(),
        }),
        K::Campaign => {
            let code = need(p.campaign.clone(), "campaign")?;
            let c = campaign_in_scope(db, viewer, &code).await?;
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
    filter: Option<CaseFilterParams>,
) -> AppResult<Counted> {
    match statistics_scope(viewer)? {
        StatisticsScope::Public => {
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
            Ok(Counted::province())
        }
        StatisticsScope::Cases => Counted::cases(viewer, filter.unwrap_or_default()),
    }
}

/// The press reads official periods only: a one-day range or a campaign's dates could single out
/// one unpublished case's figures.
pub fn check_press_period(viewer: &Viewer, period: &PeriodInput) -> AppResult<()> {
    if statistics_scope(viewer)? == StatisticsScope::Public
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
    /// Cells were withheld ([`compute_public`]).
    pub suppressed: bool,
    /// Why the police figures are withheld from this viewer, if they are ([`police_withheld`]).
    pub police_withheld: Option<&'static str>,
}

/// The press's statistics: public, and built so that no case can be singled out.
///
/// No published figure may rest on fewer than `k` cases (`HUB389_SMALL_CELL_K`), or a reader
/// could single out one case — an unpublished one's goods value, say — and differences must
/// not do it either (a quarter minus two of its months; the total minus the groups shown;
/// this hour's figures minus the last hour's). So the press's figures are built from
/// reporting-month × official-group cells: a cell is shown only when each count it rests on
/// (cases detected, handled administratively, handled criminally) is 0 or at least `k`, and
/// every coarser figure — a group over a quarter or a year, the grand total, the previous
/// period, the same period last year — is the *sum of the cells shown*, never the true total,
/// so subtracting figures from each other gives only sums of shown cells. A reporting month
/// counts once it has ended (a live month would show each new case as a difference), so this
/// year's figures run to the last month ended. The figures
/// that are not public (subjects, prosecutions, defendants, tax arrears, budget collected)
/// are not in the press's schema or export. `suppressed` tells the reader cells were withheld.
pub async fn compute_public(
    db: &sea_orm::DatabaseConnection,
    spec: PeriodSpec,
    dims: Vec<Dimension>,
    k: i64,
    via: Via,
) -> AppResult<Computed> {
    let ranges = [spec.range()?, spec.previous()?, spec.last_year()?];
    let today = crate::time::today();
    let cells = service::grouped(
        db,
        &Counted::province(),
        ranges,
        &[Dimension::Month, Dimension::OfficialGroup],
        via,
    )
    .await?
    .rows;
    let mut c = Computed {
        dims,
        range: ranges[0],
        previous: ranges[1],
        last_year: ranges[2],
        rows: vec![],
        groups: vec![],
        total: [Figures::default(); 3],
        suppressed: false,
        police_withheld: None,
    };
    // The same cells counting only the cases a summary made public.
    let disclosed = service::aggregate(
        db,
        Counted::province()
            .cond
            .add(crate::service::published::ever_published()),
        ranges,
        &[Dimension::Month, Dimension::OfficialGroup],
    )
    .await?;
    let mut groups: std::collections::BTreeMap<Key, [Figures; 3]> = Default::default();
    for g in OfficialGroup::ALL {
        groups.insert(
            vec![KeyPart::Text(Some(g.as_str().to_string()))],
            [Figures::default(); 3],
        );
    }
    // A reporting month still running is left out until it ends (YYYYMM; it ends on the
    // 14th): its figures change with every case, and the change would be that case. Its
    // places in the previous period and last year are left out with it, so the comparisons
    // are of like with like (a running month against a whole one read "0 cases, −100 %" in
    // a review), and `suppressed` says the figures are partial.
    let ended = |ym: i64| {
        NaiveDate::from_ymd_opt((ym / 100) as i32, (ym % 100) as u32, 14)
            .is_some_and(|end| end < today)
    };
    let places = crate::domain::calendar::month_places(ranges[0], ranges[1]);
    let mut left_out: [Vec<i64>; 3] = Default::default();
    for m in crate::domain::calendar::months_of(ranges[0]) {
        if !ended(m) {
            left_out[0].push(m);
            left_out[1].extend(places.iter().filter(|(c, _)| *c == m).map(|(_, p)| *p));
            left_out[2].push(m - 100);
            c.suppressed = true;
        }
    }
    for (key, figures) in cells {
        let group = key[1..].to_vec();
        let Some(KeyPart::Id(Some(ym))) = key.first() else {
            continue;
        };
        for (p, f) in figures.iter().enumerate() {
            if f.cases_detected == 0 {
                continue;
            }
            if !ended(*ym) || left_out[p].contains(ym) {
                continue;
            }
            let published = disclosed.get(&key).map_or(0, |d| d[p].cases_detected);
            if !public_cell(f, published, k) {
                c.suppressed = true;
                continue;
            }
            let public = public_figures(f);
            groups.entry(group.clone()).or_default()[p] += public;
            c.total[p] += public;
        }
    }
    c.groups = groups.into_iter().collect();
    c.groups.sort_by_key(|(k, _)| match &k[0] {
        KeyPart::Text(Some(s)) => OfficialGroup::parse(s).map(|g| g as u8).unwrap_or(9),
        _ => 9,
    });
    if c.dims == [Dimension::OfficialGroup] {
        c.rows = c.groups.clone();
    }
    Ok(c)
}

/// Whether a cell may be shown to the press: each count it rests on — its cases, and those
/// handled administratively and criminally, on which the fines rest (a lone administrative
/// case would show its fine) — is 0 or at least `k`, and so are the cases no approved summary
/// made public (`published` of them were).
///
/// The last one (a review of stop 34): the press reads what a published summary declares —
/// the fine, the goods value — so a cell of three cases, two of them published, less those
/// two gave the third case's fine and goods value exactly.
fn public_cell(f: &Figures, published: i64, k: i64) -> bool {
    [
        f.cases_detected,
        f.handled_administratively,
        f.handled_criminally,
        f.cases_detected - published,
    ]
    .into_iter()
    .all(|n| n == 0 || n >= k)
}

/// The public figures of a cell (the others are not the press's; nor is the split of the
/// cases handled, police data).
fn public_figures(f: &Figures) -> Figures {
    Figures {
        cases_detected: f.cases_detected,
        fines: f.fines,
        goods_value: f.goods_value,
        ..Figures::default()
    }
}

/// Why the figures drawn from the police compartment (subjects counted, prosecutions,
/// defendants, and the split of the cases handled between administrative and criminal) are
/// withheld from a viewer, if they are ([`police_figures`]): from one that reads the
/// compartment on the cases its agency leads only, unless the statistics count only those
/// (`filter: { leadAgency: <its own> }`; beside its own, any others would give the other
/// agencies' by subtraction), and always from one that reads it on no case (leaders, the
/// standing office, commune users).
///
/// The last rule was a small-cell rule until stop 34: the figures were given to those viewers
/// where every cell of the response, and every reporting month of it, counted none or at
/// least `k` cases and prosecuted cases. Four reviews (stops 31 to 34) each read one case's
/// prosecution through it: a one-day range, a year less its nine months, rows by campaign
/// that overlap, and last the statuses the viewer lists — a cell's prosecutions less its
/// `PROSECUTED` cases named the closed case that was prosecuted, whatever the size of the
/// cell. What a figure reveals beside the statuses depends on data the viewer may not read,
/// so no rule on the figures alone can hold. DOMAIN.md gives these roles no part of the
/// police compartment; the figures reach them as each agency reports them (periodic reports).
pub fn police_withheld(
    viewer: &crate::auth::Viewer,
    filter: Option<&CaseFilterParams>,
) -> Option<&'static str> {
    match police_figures(viewer, filter.and_then(|f| f.lead_agency.as_deref())) {
        PoliceFigures::AsTheyAre => None,
        PoliceFigures::OwnCasesOnly => Some(
            "figures from the police compartment are given to your role for the cases your agency leads (`leadAgency`: your agency)",
        ),
        PoliceFigures::Never => Some(
            "figures from the police compartment are given to those who read it; agencies' periodic reports carry the figures they report",
        ),
    }
}

/// Computes rows, official groups and totals for a period (`via`: see [`Via`]).
pub async fn compute(
    db: &sea_orm::DatabaseConnection,
    counted: Counted,
    spec: PeriodSpec,
    dims: Vec<Dimension>,
    via: Via,
) -> AppResult<Computed> {
    let ranges = [spec.range()?, spec.previous()?, spec.last_year()?];
    let grouped = service::grouped(db, &counted, ranges, &dims, via).await?;
    let rows = match dims.iter().position(|d| *d == Dimension::Month) {
        Some(at) => by_month_of_period(grouped.rows, at, ranges),
        None => grouped.rows.into_iter().collect(),
    };
    let (mut groups, total) = (
        grouped.groups.into_iter().collect::<Vec<_>>(),
        grouped.total,
    );
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
    Ok(Computed {
        dims,
        range: ranges[0],
        previous: ranges[1],
        last_year: ranges[2],
        rows,
        groups,
        total,
        suppressed: false,
        police_withheld: None,
    })
}

/// Rows by reporting month (the key's part `at`) for the months of the period only, each with
/// its comparisons: the month at its place in the previous period
/// ([`crate::domain::calendar::month_places`]: for a month the month before, for a quarter
/// three months before, for six or nine months and the year — whose previous period is last
/// year's — the same month last year) and the same month a year earlier. Keyed by month as the other dimensions are, a quarter had nine rows — its own three
/// with no comparison, and six of the other periods' months at 0 and −100 % (a review of
/// stop 37).
fn by_month_of_period(
    rows: std::collections::BTreeMap<Key, [Figures; 3]>,
    at: usize,
    ranges: [DateRange; 3],
) -> Vec<(Key, [Figures; 3])> {
    use crate::domain::calendar::{month_places, months_of};
    let current = months_of(ranges[0]);
    let places = month_places(ranges[0], ranges[1]);
    let mut out: std::collections::BTreeMap<Key, [Figures; 3]> = Default::default();
    for (key, figures) in rows {
        let Some(KeyPart::Id(Some(month))) = key.get(at).cloned() else {
            continue;
        };
        let mut put = |month: i64, p: usize| {
            // Nothing of this period here: no row made of zeros alone.
            if figures[p] == Figures::default() {
                return;
            }
            let mut k = key.clone();
            k[at] = KeyPart::Id(Some(month));
            out.entry(k).or_default()[p] += figures[p];
        };
        if current.contains(&month) {
            put(month, 0);
        }
        if let Some((m, _)) = places.iter().find(|(_, p)| *p == month) {
            put(*m, 1);
        }
        if current.contains(&(month + 100)) {
            put(month + 100, 2);
        }
    }
    out.into_iter().collect()
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
    #[graphql(
        visible = "crate::graphql::guards::statistics_visible",
        complexity = "crate::graphql::cost::statistics(&period, group_by.len(), child_complexity)"
    )]
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        period: PeriodInput,
        #[graphql(default)] group_by: Vec<Dimension>,
        #[graphql(visible = "crate::graphql::guards::case_statistics_visible")] filter: Option<
            CaseFilter,
        >,
    ) -> Result<Statistics> {
        let v = viewer(ctx)?;
        let dims = check_dims(&group_by)?;
        let db = db(ctx)?;
        let mut params = filter.map(CaseFilterParams::from);
        if let Some(params) = &mut params {
            let directory = &crate::graphql::context::services(ctx)?.directory;
            crate::service::cases::known_codes(db, directory, params).await?;
            // A campaign as a filter is checked as one as a period (it counted nothing).
            if let Some(code) = params.campaign.take() {
                params.campaign = Some(campaign_in_scope(db, v, &code).await?.code);
            }
            crate::graphql::cases::note_restricted_filter(ctx, "statisticsSearch", params);
        }
        let cond = statistics_condition(v, &dims, params.clone())?;
        check_press_period(v, &period)?;
        let spec = period_spec(db, v, &period).await?;
        let k = crate::graphql::context::services(ctx)?
            .workflow
            .small_cell_k;
        let computed = if statistics_scope(v)? == StatisticsScope::Public {
            compute_public(db, spec, dims, k, Via::Auto).await?
        } else {
            let mut c = compute(db, cond, spec, dims, Via::Auto).await?;
            c.police_withheld = police_withheld(v, params.as_ref());
            c
        };
        Ok(Statistics(computed))
    }
}

#[derive(SimpleObject, Clone, Copy)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl From<DateRange> for Period {
    fn from(r: DateRange) -> Self {
        Period {
            from: r.from.into(),
            to: r.to.into(),
        }
    }
}

pub struct Statistics(pub Computed);

#[Object]
impl Statistics {
    async fn period(&self) -> Period {
        self.0.range.into()
    }
    /// The period just before: the previous month or quarter; for six months, nine months and
    /// the year (cumulative from 15/12) the same period last year; for a range or a campaign,
    /// as many days just before it.
    async fn previous_period(&self) -> Period {
        self.0.previous.into()
    }
    /// The same dates one year earlier.
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
                figures: StatisticsFigures(*f, self.0.police_withheld),
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
                figures: StatisticsFigures(*f, self.0.police_withheld),
            })
            .collect()
    }
    /// Grand totals.
    async fn total(&self) -> StatisticsFigures {
        StatisticsFigures(self.0.total, self.0.police_withheld)
    }
    /// Whether cells counting fewer than k cases were withheld from the figures (the press's
    /// figures are sums of the reporting-month × group cells shown; see `compute_public`).
    async fn suppressed(&self) -> bool {
        self.0.suppressed
    }
}

pub struct StatisticsRow {
    dims: Vec<Dimension>,
    key: Key,
    figures: StatisticsFigures,
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
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
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
    async fn figures(&self) -> &StatisticsFigures {
        &self.figures
    }
}

/// Figures of the period with their comparisons, and why the police figures are withheld
/// from this viewer, if they are ([`police_withheld`]).
#[derive(Clone, Copy)]
pub struct StatisticsFigures(pub [Figures; 3], pub Option<&'static str>);

impl StatisticsFigures {
    /// A figure drawn from the police compartment: `null` with `FORBIDDEN` where withheld
    /// from a viewer that reads the compartment on some cases; not in the schema of a role
    /// that reads it on none (`guards::police_visible`).
    fn police(&self, pick: fn(&Figures) -> i64) -> Result<Option<Figure>> {
        match self.1 {
            Some(why) => Err(AppError::forbidden(why).into()),
            None => Ok(Some(figure(&self.0, pick))),
        }
    }
}

/// Change in percent from `base` to `value`, to a tenth; `null` where the base is zero.
/// Worked in floating point (`value - base` in integers overflowed at the bounds of a sum), and
/// a change that rounds to nothing is `0.0`, never `-0.0`.
pub fn change(value: i64, base: i64) -> Option<f64> {
    if base == 0 {
        None
    } else {
        let tenths = ((value as f64 - base as f64) / base as f64 * 1000.0).round();
        Some(tenths / 10.0 + 0.0)
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
    /// Handled administratively, or closed without a prosecution.
    ///
    /// `null` with `FORBIDDEN` where the police figures are: whether a closed case was
    /// prosecuted is police data ([`police_withheld`]). Not the press's: beside the statuses
    /// its summaries declare, it named a closed case that was prosecuted (stop 34's review).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn cases_handled_administratively(&self) -> Result<Option<Figure>> {
        self.police(|f| f.handled_administratively)
    }
    /// Transferred to the police, prosecuted, or closed after prosecution. `null` with
    /// `FORBIDDEN` where the police figures are.
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn cases_handled_criminally(&self) -> Result<Option<Figure>> {
        self.police(|f| f.handled_criminally)
    }
    /// Persons and organisations involved (a count only: no identity leaves the police
    /// compartment through statistics).
    ///
    /// `null` with `FORBIDDEN`, as the two below, where a viewer who does not read the police
    /// compartment on every case counted could single out a case by it ([`police_withheld`]).
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn subject_count(&self) -> Result<Option<Figure>> {
        self.police(|f| f.subjects)
    }
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn prosecuted_cases(&self) -> Result<Option<Figure>> {
        self.police(|f| f.prosecuted_cases)
    }
    #[graphql(visible = "crate::graphql::guards::police_visible")]
    async fn defendants(&self) -> Result<Option<Figure>> {
        self.police(|f| f.defendants)
    }
    async fn fines(&self) -> MoneyFigure {
        money(&self.0, |f| f.fines)
    }
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn tax_arrears(&self) -> MoneyFigure {
        money(&self.0, |f| f.tax_arrears)
    }
    /// Total collected for the state budget.
    #[graphql(visible = "crate::graphql::guards::not_press_visible")]
    async fn budget_collected(&self) -> MoneyFigure {
        money(&self.0, |f| f.budget_collected)
    }
    async fn goods_value(&self) -> MoneyFigure {
        money(&self.0, |f| f.goods_value)
    }
}

#[cfg(test)]
mod public_tests {
    use super::*;

    /// To a tenth, half away from zero; nothing from a zero base; never `-0.0`, and no
    /// overflow at the bounds of a sum.
    #[test]
    fn changes_in_percent() {
        assert_eq!(change(5, 0), None);
        assert_eq!(change(15, 10), Some(50.0));
        assert_eq!(change(0, 7), Some(-100.0));
        assert_eq!(change(2, 3), Some(-33.3));
        let small = change(9_999, 10_000).expect("a change");
        assert_eq!(small, 0.0);
        assert!(small.is_sign_positive(), "not -0.0: {small:?}");
        assert_eq!(change(i64::MAX, 1).map(f64::is_finite), Some(true));
        assert_eq!(change(0, i64::MAX), Some(-100.0));
        assert_eq!(
            change(i64::MIN + 1, i64::MAX).map(f64::is_finite),
            Some(true)
        );
    }

    /// The police figures reach the police, and an agency over the cases it leads only; a
    /// viewer who reads the compartment on no case never gets them, whatever the period.
    #[test]
    fn police_figures_reach_those_who_read_the_compartment() {
        use crate::auth::{Role, Viewer};
        let police = Viewer::in_agency(Role::Police, Some(1));
        let mut officer = Viewer::in_agency(Role::Officer, Some(2));
        officer.agency_code = Some("BDBP".into());
        let own = CaseFilterParams {
            lead_agency: Some("BDBP".into()),
            ..Default::default()
        };
        let other = CaseFilterParams {
            lead_agency: Some("CA".into()),
            ..Default::default()
        };
        assert!(police_withheld(&police, None).is_none());
        assert!(police_withheld(&police, Some(&other)).is_none());
        assert!(police_withheld(&officer, Some(&own)).is_none());
        // An officer would subtract its own cases from any other figures.
        assert!(police_withheld(&officer, None).is_some());
        assert!(police_withheld(&officer, Some(&other)).is_some());
        for role in [Role::Leader, Role::StandingOffice, Role::Commune] {
            let v = Viewer::in_agency(role, Some(3));
            assert!(police_withheld(&v, None).is_some(), "{role:?}");
            assert!(police_withheld(&v, Some(&own)).is_some(), "{role:?}");
        }
    }

    #[test]
    fn a_cell_is_public_when_each_count_is_zero_or_at_least_k() {
        let f = |d, a, c| Figures {
            cases_detected: d,
            handled_administratively: a,
            handled_criminally: c,
            ..Figures::default()
        };
        assert!(public_cell(&f(5, 3, 0), 0, 3));
        assert!(
            !public_cell(&f(5, 1, 0), 0, 3),
            "one administrative case would show its fine"
        );
        assert!(!public_cell(&f(2, 0, 0), 0, 3));
        assert!(public_cell(&f(0, 0, 0), 0, 3));
        // Cases whose money a summary made public: the rest must be none or at least k.
        assert!(public_cell(&f(5, 3, 0), 2, 3));
        assert!(
            !public_cell(&f(3, 3, 0), 2, 3),
            "the cell less two published cases is the third case's fine"
        );
        assert!(public_cell(&f(3, 3, 0), 3, 3));
        let p = public_figures(&Figures {
            subjects: 4,
            defendants: 2,
            tax_arrears: 7,
            fines: 9,
            ..f(5, 3, 0)
        });
        assert_eq!(
            (p.subjects, p.defendants, p.tax_arrears, p.fines),
            (0, 0, 0, 9)
        );
        // Nor the split of the cases handled (police data).
        assert_eq!((p.handled_administratively, p.handled_criminally), (0, 0));
    }
}
