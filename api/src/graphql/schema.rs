//! The GraphQL schema: one `{Domain}Query` per domain module, merged here, and the limits
//! every request runs under. Nothing imports this module but the HTTP layer and the CLI.

use async_graphql::{MergedObject, Schema};
use sea_orm::DatabaseConnection;

use crate::config::Limits;
use crate::graphql::context::Services;
use crate::graphql::{limits, node, pipeline, visibility};

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

pub use crate::graphql::subscriptions::SubscriptionRoot;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    crate::graphql::reference::ReferenceQuery,
    crate::graphql::cases::CaseQuery,
    crate::graphql::directives::DirectiveQuery,
    crate::graphql::tips::TipQuery,
    crate::graphql::publications::PublicationQuery,
    crate::graphql::reports::ReportQuery,
    crate::graphql::statistics::StatisticsQuery,
    crate::graphql::statistics::compliance::ComplianceQuery,
    crate::graphql::audit::AuditQuery,
    crate::graphql::watches::WatchQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    crate::graphql::cases::mutation::CaseMutation,
    crate::graphql::tips::mutation::TipMutation,
    crate::graphql::publications::PublicationMutation,
    crate::graphql::reports::ReportMutation,
    crate::graphql::directives::mutation::DirectiveMutation,
    crate::graphql::reference::mutation::ReferenceMutation,
    crate::graphql::watches::WatchMutation,
);

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
        SubscriptionRoot::default(),
    )
    .data(db)
    .data(services)
    // One extension for every check and the response's shape, in their order (`pipeline.rs`).
    .extension(pipeline::Pipeline {
        limits: limits::DepthLimit {
            max_depth: limits.max_depth,
            max_expanded_fields: limits.max_complexity,
            max_aliases: limits.max_aliases,
        },
        views: views.clone(),
        documents: Default::default(),
    })
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
        SubscriptionRoot::default(),
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
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}
