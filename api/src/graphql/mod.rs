//! The GraphQL schema: one `{Domain}Query` per domain module, merged here, plus the per-request
//! context (viewer, loaders, request id) and the limits every request runs under.

use async_graphql::{
    Context, EmptySubscription, InputValueError, InputValueResult, MergedObject, Scalar,
    ScalarType, Schema, Value,
};
use sea_orm::DatabaseConnection;

use crate::auth::Viewer;
use crate::config::Limits;
use crate::error::{AppError, AppResult};
use crate::loaders::Loaders;

pub mod cost;
pub mod limits;
pub mod node;
pub mod spec;
pub mod trusted;
pub mod visibility;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// What every resolver may know about the request.
pub struct RequestCtx {
    /// `None` for an anonymous request.
    pub viewer: Option<Viewer>,
    pub request_id: String,
    /// The client's address (for the tip rate limit; never stored).
    pub client_ip: Option<std::net::IpAddr>,
    /// Restricted reads to audit when the request ends.
    pub reads: std::sync::Arc<crate::workflow::ReadTrail>,
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

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

pub use node::parse_id;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    crate::reference::ReferenceQuery,
    crate::cases::CaseQuery,
    crate::directives::DirectiveQuery,
    crate::tips::TipQuery,
    crate::publications::PublicationQuery,
    crate::reports::ReportQuery,
    crate::statistics::StatisticsQuery,
    crate::statistics::compliance::ComplianceQuery,
    crate::audit::AuditQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    crate::cases::mutation::CaseMutation,
    crate::tips::mutation::TipMutation,
    crate::publications::PublicationMutation,
    crate::reports::ReportMutation,
    crate::directives::mutation::DirectiveMutation,
    crate::reference::mutation::ReferenceMutation,
);

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

/// Builds the schema with its limits. The database and services are schema data; the viewer
/// and loaders are added per request. Each role's view of the schema is read once here (see
/// [`visibility`]).
pub async fn build_schema(
    db: DatabaseConnection,
    limits: &Limits,
    services: Services,
) -> anyhow::Result<AppSchema> {
    let views = std::sync::Arc::new(std::sync::OnceLock::new());
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .data(db)
    .data(services)
    // Depth without introspection (see `limits.rs`); responses as the spec says (`spec.rs`).
    .extension(limits::DepthLimit {
        max_depth: limits.max_depth,
        max_expanded_fields: limits.max_complexity,
        max_aliases: limits.max_aliases,
    })
    // After the size bounds: a role's unseen fields do not exist for it (`visibility.rs`).
    .extension(visibility::RoleVisibility {
        views: views.clone(),
    })
    .extension(spec::SpecResponse)
    .extension(cost::CostBudget)
    .limit_complexity(limits.max_cost)
    .limit_recursive_depth(32)
    .limit_directives(20)
    // "Did you mean …" would name fields a role may not see.
    .disable_suggestions();
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    let schema = builder.finish();
    // Computed with introspection on, whatever the setting: it is the server asking itself.
    let full = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .finish();
    let _ = views.set(visibility::RoleViews::compute(&full).await?);
    Ok(schema)
}

/// The schema in SDL, as checked into `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}
