//! What every resolver may ask of its request: the viewer, the database, the loaders, the
//! process-wide services, and the `Vnd` scalar. A leaf: the domain modules of this layer import
//! it, and it imports none of them (the schema that merges them is `schema.rs`).

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
                InputValueError::custom("an amount in VND is a whole number from 0 to 10^15")
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

/// Process-wide services resolvers need beside the database.
pub struct Services {
    pub data_key: crate::crypto::DataKey,
    pub workflow: crate::config::WorkflowSettings,
    /// Rate limits and cost budgets, counted in memory (see [`crate::limiter`] for why).
    pub limiters: std::sync::Arc<crate::limiter::Limiters>,
    /// Domain events, published after each write commits.
    pub events: crate::service::events::Events,
}

pub fn services<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Services> {
    ctx.data::<Services>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("no services in context: {}", e.message)))
}
