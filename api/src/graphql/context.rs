//! What every resolver may ask of its request: the viewer, the database, the loaders, the
//! process-wide services, and the scalars of our own (`Vnd`, `Date`, `Timestamp`). A leaf: the
//! domain modules of this layer import it, and it imports none of them (the schema that merges
//! them is `schema.rs`).

use async_graphql::{Context, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use sea_orm::DatabaseConnection;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::{Dl, LoadError, Loaders, one};

/// What every resolver may know about the request.
pub struct RequestCtx {
    /// `None` for an anonymous request.
    pub viewer: Option<Viewer>,
    pub request_id: String,
    /// The client's address (for the tip rate limit; never stored).
    pub client_ip: Option<std::net::IpAddr>,
    /// Restricted reads to audit when the request ends.
    pub reads: std::sync::Arc<crate::service::audit::ReadTrail>,
}

impl RequestCtx {
    /// The context a request carries, read before the request runs (the schema's extension
    /// looks at the viewer while the request is prepared, before resolvers see `Context`).
    pub fn of(request: &async_graphql::Request) -> Option<&RequestCtx> {
        request
            .data
            .get(&std::any::TypeId::of::<RequestCtx>())
            .and_then(|d| d.downcast_ref::<RequestCtx>())
    }
}

/// The authenticated viewer, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Viewer> {
    ctx.data_opt::<RequestCtx>()
        .and_then(|r| r.viewer.as_ref())
        .ok_or_else(|| AppError::Unauthenticated("sign in: this requires a token".into()))
}

pub fn db<'a>(ctx: &'a Context<'_>) -> AppResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("no database in context: {}", e.message)))
}

pub fn loaders<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("no loaders in context: {}", e.message)))
}

/// The row an optional link of a record names (its commune, its parent agency…), read
/// through the loader `pick` chooses: `None` when the record links none (and then no loader is
/// asked for).
pub async fn linked<T>(
    ctx: &Context<'_>,
    id: Option<i64>,
    pick: impl FnOnce(&Loaders) -> &Dl<T>,
) -> AppResult<Option<T::Value>>
where
    T: async_graphql::dataloader::Loader<i64, Error = LoadError>,
{
    let Some(id) = id else {
        return Ok(None);
    };
    one(pick(loaders(ctx)?), id).await
}

/// An amount of money in whole đồng ([`crate::domain::types::Vnd`]), serialised as a JSON
/// integer: GraphQL's `Int` is 32-bit and too small for VND amounts.
pub use crate::domain::types::Vnd;

#[Scalar(name = "Vnd")]
impl ScalarType for Vnd {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n.as_i64().and_then(|v| Vnd::parse(v).ok()).ok_or_else(|| {
                InputValueError::custom("an amount in VND is a whole number from 0 to 10^13")
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Checked during validation, before anything runs: async-graphql parses a scalar only when
    /// its field resolves, so without this a mutation's earlier fields would commit before a
    /// later one's amount was refused.
    fn is_valid(value: &Value) -> bool {
        <Self as ScalarType>::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// A calendar date (`YYYY-MM-DD`) in the GraphQL API: chrono's `NaiveDate` under the name
/// async-graphql gives it, so the schema reads as before, but checked during validation.
///
/// async-graphql's own impl for `NaiveDate` parses a value only when its field resolves, so in
/// a mutation of two fields the first committed before the second's `"2026-13-45"` was
/// refused (the contract review of stop 31). A scalar of ours can say during validation, for
/// literals, variables and defaults alike, what it accepts; a date outside
/// [`DATE_YEARS`](crate::domain::calendar::DATE_YEARS) is refused too (SQLite's `julianday`
/// has no answer for year −1, and no record of the province's predates 1900).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub chrono::NaiveDate);

/// Calendar date, `YYYY-MM-DD` (ISO 8601), years 1900 to 2100.
///
/// # Examples
///
/// * `2026-11-15`
/// * `1990-02-24`
#[Scalar(name = "NaiveDate")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Date::parse(s).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        <Self as ScalarType>::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl Date {
    /// `YYYY-MM-DD`, a year in [`DATE_YEARS`](crate::domain::calendar::DATE_YEARS): the one
    /// rule for a date given to the API, in GraphQL and in the export's query string alike.
    pub fn parse(s: &str) -> Result<Date, &'static str> {
        use chrono::Datelike;
        let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| "a date is written YYYY-MM-DD")?;
        if !crate::domain::calendar::DATE_YEARS.contains(&day.year()) {
            return Err("a date's year is from 1900 to 2100");
        }
        Ok(Date(day))
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl From<chrono::NaiveDate> for Date {
    fn from(day: chrono::NaiveDate) -> Self {
        Date(day)
    }
}

impl From<Date> for chrono::NaiveDate {
    fn from(day: Date) -> Self {
        day.0
    }
}

/// An instant in the GraphQL API: chrono's `DateTime<Utc>` under the name async-graphql gives
/// it, checked during validation for the reason [`Date`] says. The year is the one written
/// (`1900-01-01T06:00:00+07:00` is in 1900, although its UTC is not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub chrono::DateTime<chrono::Utc>);

/// An instant, RFC 3339 with its offset (`2026-11-15T08:30:00+07:00`), years 1900 to 2100;
/// answered in UTC.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        use chrono::Datelike;
        let Value::String(s) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        let at = s
            .parse::<chrono::DateTime<chrono::FixedOffset>>()
            .map_err(|_| {
                InputValueError::custom("an instant is written as RFC 3339, with its offset")
            })?;
        if !crate::domain::calendar::DATE_YEARS.contains(&at.year()) {
            return Err(InputValueError::custom(
                "an instant's year is from 1900 to 2100",
            ));
        }
        Ok(Timestamp(at.with_timezone(&chrono::Utc)))
    }

    fn is_valid(value: &Value) -> bool {
        <Self as ScalarType>::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl From<chrono::DateTime<chrono::Utc>> for Timestamp {
    fn from(at: chrono::DateTime<chrono::Utc>) -> Self {
        Timestamp(at)
    }
}

impl From<Timestamp> for chrono::DateTime<chrono::Utc> {
    fn from(at: Timestamp) -> Self {
        at.0
    }
}

/// Process-wide services resolvers need beside the database.
pub struct Services {
    pub data_key: crate::crypto::DataKey,
    pub workflow: crate::config::WorkflowSettings,
    /// Rate limits and cost budgets, counted in memory (see [`crate::limiter`] for why).
    pub limiters: std::sync::Arc<crate::limiter::Limiters>,
    /// Domain events, published after each write commits.
    pub events: crate::service::events::Events,
    /// Agencies and communes, kept for a minute (codes checked without a statement).
    pub directory: std::sync::Arc<crate::service::viewer::Directory>,
}

pub fn services<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Services> {
    ctx.data::<Services>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("no services in context: {}", e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> bool {
        <Date as ScalarType>::is_valid(&Value::String(s.into()))
    }

    fn instant(s: &str) -> bool {
        <Timestamp as ScalarType>::is_valid(&Value::String(s.into()))
    }

    #[test]
    fn dates_are_checked_by_validation() {
        for good in ["2026-11-15", "1900-01-01", "2100-12-31", "2024-02-29"] {
            assert!(date(good), "{good}");
        }
        for bad in [
            "2026-13-45",
            "2025-02-29",
            "20/11/2026",
            "",
            "-0001-04-15",
            "1899-12-31",
            "2101-01-01",
            "2026-11-15T00:00:00Z",
        ] {
            assert!(!date(bad), "{bad}");
        }
        assert!(!<Date as ScalarType>::is_valid(&Value::Number(
            20261115.into()
        )));
    }

    #[test]
    fn instants_are_checked_in_the_year_written() {
        for good in [
            "2026-11-15T08:30:00+07:00",
            "2026-11-15T01:30:00Z",
            "1900-01-01T06:00:00+07:00",
        ] {
            assert!(instant(good), "{good}");
        }
        for bad in [
            "2026-11-15",
            "2026-11-15T25:00:00Z",
            "1899-12-31T23:00:00Z",
            "2101-01-01T00:00:00Z",
        ] {
            assert!(!instant(bad), "{bad}");
        }
        let at =
            <Timestamp as ScalarType>::parse(Value::String("2026-11-15T08:30:00+07:00".into()));
        assert_eq!(
            at.map(|t| t.to_value()).ok(),
            Some(Value::String("2026-11-15T01:30:00+00:00".into()))
        );
    }
}
