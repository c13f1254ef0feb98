//! What a request costs, decided before anything runs, and what each user may spend.
//!
//! **Cost** (async-graphql's complexity, with our weights): a field costs 1 plus what it
//! selects, except a list that pages (`first`), which costs its page size times what each row
//! selects — `cases(first: 100) { nodes { code } }` costs about 200, not 3 — and a statistics
//! query, which costs [`STATISTICS_PER_MONTH`] per month of its period (it scans every case of
//! that period and the two compared with it). A request above `HUB389_MAX_COST` is refused as
//! too complex before any SQL.
//!
//! **Budget** ([`charge`]): what is left after validation is charged to the caller — its
//! token subject, or its address without a token — against `HUB389_COST_BUDGET_PER_MINUTE`,
//! so many cheap requests cannot add up to what one expensive request may not do. A refused
//! request is `RATE_LIMITED` (HTTP 429 with `Retry-After`) and runs nothing.

use async_graphql::extensions::ExtensionContext;
use async_graphql::{ServerError, ValidationResult};

use crate::error::AppError;
use crate::graphql::context::{RequestCtx, Services};
use crate::graphql::pagination::{DEFAULT_PAGE, MAX_PAGE};
use crate::graphql::statistics::{PeriodInput, StatisticsPeriodKind};
use crate::limiter::ClientKey;

/// Cost of one month of statistics (a YEAR costs twelve of them).
pub const STATISTICS_PER_MONTH: usize = 500;

/// The rows a page asks for: `first` as the resolver will read it (out-of-range values are
/// refused by the resolver; here they count as the largest page).
pub fn rows(first: Option<i32>) -> usize {
    match first {
        None => DEFAULT_PAGE as usize,
        Some(n) if n >= 1 && (n as u64) <= MAX_PAGE => n as usize,
        Some(_) => MAX_PAGE as usize,
    }
}

/// A paged list: its page size times what each row selects, plus the list itself.
pub fn page(first: Option<i32>, child_complexity: usize) -> usize {
    rows(first)
        .saturating_mul(child_complexity.max(1))
        .saturating_add(1)
}

/// A `COUNT` over a list's matches (`totalCount`): a scan of what the filter selects.
pub const COUNT: usize = 100;

/// A compliance or missing-reports table: a scan of a year of tasks or reports.
pub const REPORT: usize = STATISTICS_PER_MONTH;

/// `runningCampaigns`: a statistics computation per running campaign (a year each, and a
/// few of them).
pub const RUNNING_CAMPAIGNS: usize = 3 * 12 * STATISTICS_PER_MONTH;

/// Rows a nested list without `first` is taken to hold (a case's seizures or subjects, a
/// directive's tasks or citations): they are bounded by the data, not by the client, and a
/// cycle (`tasks { directive { tasks … } }`) multiplies them.
pub const NESTED_ROWS: usize = 10;

/// A nested list without `first`: [`NESTED_ROWS`] times what each row selects.
pub fn nested(child_complexity: usize) -> usize {
    NESTED_ROWS
        .saturating_mul(child_complexity.max(1))
        .saturating_add(1)
}

/// A text search (`search:`) scans every case's search key: as much as a count.
pub fn search(search: &Option<String>) -> usize {
    if search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
        COUNT
    } else {
        0
    }
}

/// A list fetched whole by ids (`nodes(ids:)`): one row per id.
pub fn by_ids(ids: usize, child_complexity: usize) -> usize {
    ids.saturating_mul(child_complexity.max(1))
        .saturating_add(1)
}

/// Months a statistics period spans (a campaign counts as a year: its dates are in the
/// database, and campaigns rarely run longer).
pub fn months(period: &PeriodInput) -> usize {
    match period.kind {
        StatisticsPeriodKind::Month => 1,
        StatisticsPeriodKind::Quarter => 3,
        StatisticsPeriodKind::SixMonths => 6,
        StatisticsPeriodKind::NineMonths => 9,
        StatisticsPeriodKind::Year | StatisticsPeriodKind::Campaign => 12,
        StatisticsPeriodKind::Range => match (period.from, period.to) {
            (Some(f), Some(t)) if t >= f => ((t.0 - f.0).num_days() as usize / 30).clamp(1, 120),
            _ => 1,
        },
    }
}

/// A statistics query: its months times [`STATISTICS_PER_MONTH`], once more per grouping
/// dimension (each multiplies the groups computed and returned), plus what it selects.
pub fn statistics(period: &PeriodInput, dimensions: usize, child_complexity: usize) -> usize {
    months(period)
        .saturating_mul(STATISTICS_PER_MONTH)
        .saturating_mul(1 + dimensions)
        .saturating_add(child_complexity)
}

/// Charges a validated request's cost to its caller (see the module doc); refused whole with
/// `RATE_LIMITED` when the caller's budget is spent.
pub fn charge(
    ctx: &ExtensionContext<'_>,
    result: ValidationResult,
) -> Result<ValidationResult, Vec<ServerError>> {
    let (Some(req), Some(services)) = (ctx.data_opt::<RequestCtx>(), ctx.data_opt::<Services>())
    else {
        return Ok(result);
    };
    let cost = u32::try_from(result.complexity).unwrap_or(u32::MAX);
    if services
        .limiters
        .cost
        .check_n(&ClientKey::of(req.viewer.as_ref(), req.client_ip), cost)
    {
        Ok(result)
    } else {
        Err(vec![
            AppError::RateLimited(crate::limiter::BUDGET_SPENT.into()).into_server_error(),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(kind: StatisticsPeriodKind) -> PeriodInput {
        PeriodInput {
            kind,
            year: Some(2026),
            month: None,
            quarter: None,
            campaign: None,
            from: None,
            to: None,
        }
    }

    #[test]
    fn lists_weigh_their_rows_and_statistics_their_months() {
        assert_eq!(page(Some(100), 2), 201);
        assert_eq!(page(None, 2), 41);
        assert_eq!(
            page(Some(-5), 1),
            101,
            "a refused size counts as the largest"
        );
        assert_eq!(statistics(&period(StatisticsPeriodKind::Year), 0, 10), 6010);
        assert_eq!(
            statistics(&period(StatisticsPeriodKind::Year), 2, 10),
            18010
        );
        assert_eq!(statistics(&period(StatisticsPeriodKind::Month), 0, 10), 510);
        assert_eq!(nested(5), 51);
        assert_eq!(search(&Some("thuốc lá".into())), COUNT);
        assert_eq!(search(&Some("  ".into())), 0);
        let mut range = period(StatisticsPeriodKind::Range);
        range.from = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).map(Into::into);
        range.to = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).map(Into::into);
        assert_eq!(months(&range), 73);
    }
}
