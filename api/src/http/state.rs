//! What every HTTP handler shares: the application state and the one way a request is
//! authenticated (GraphQL and the exports alike). A leaf of this layer: the router (`app.rs`)
//! and the handlers import it, it imports none of them.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, header};
use sea_orm::DatabaseConnection;

use crate::auth::{JwtKeys, Viewer};
use crate::error::AppError;
use crate::graphql::schema::AppSchema;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Shared state: the API keeps nothing per user between requests, so any number of
/// instances can run behind a load balancer over one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub keys: Arc<JwtKeys>,
    pub max_batch: usize,
    /// Set when shutdown begins: `/readyz` turns red before the listener closes.
    pub draining: Arc<AtomicBool>,
    /// Registered documents and who may run only those.
    pub trusted: Arc<crate::graphql::trusted::TrustedDocuments>,
    pub trusted_policy: crate::graphql::trusted::TrustedPolicy,
    /// A GraphQL request still running after this is stopped (`HUB389_REQUEST_TIMEOUT`).
    pub request_timeout: Duration,
    /// `HUB389_DB_TIMEOUT`: the longest wait for the database (a ping after a read timed out).
    pub db_timeout: Duration,
    /// Small-cell threshold of the press's statistics and exports (`HUB389_SMALL_CELL_K`).
    pub small_cell_k: i64,
    /// The rate limits and cost budgets, shared with the GraphQL services (the export is
    /// charged like the statistics it computes).
    pub limiters: Arc<crate::limiter::Limiters>,
    pub trusted_proxies: crate::limiter::TrustedProxies,
    /// The province named in report headings (`HUB389_PROVINCE`).
    pub province: String,
    /// Tokens' agencies and communes, kept for a minute (see [`crate::service::viewer`]).
    pub directory: Arc<crate::service::viewer::Directory>,
    /// The group commit of restricted reads' audit events.
    pub read_audit: crate::service::audit::ReadAuditWriter,
    /// Who may read `/metrics`.
    pub metrics: crate::config::MetricsAccess,
    /// Every request's reads: the pool, what is told of every SQL statement, the connections
    /// kept between requests (see [`crate::db::Reads`]).
    pub reads: crate::db::ReadPool,
    /// Live sockets held per client address and per user ([`crate::http::live`]).
    pub live_sockets: crate::limiter::Holders,
    /// How many each may hold: (per address, per user).
    pub live_bounds: (usize, usize),
}

/// Reads the bearer token, verifies it and resolves its agency and commune codes (the same for
/// GraphQL and the exports).
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Viewer>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    authenticate_token(state, token)
        .await
        .map(|(viewer, _)| Some(viewer))
}

/// Verifies a token and resolves its viewer; also gives the token's expiry (Unix seconds), for
/// a connection that must end with it (`http::live`).
pub async fn authenticate_token(state: &AppState, token: &str) -> Result<(Viewer, i64), AppError> {
    let claims = state.keys.verify(token)?;
    let expires = claims.exp;
    // Bounded as any wait for the database (`HUB389_DB_TIMEOUT`): an agency not yet kept is
    // read from it, and one that stopped answering held the request until it came back (a
    // fault review of stop 37: 30 s and more, past every timeout).
    let resolving = crate::service::viewer::resolve(&state.db, &state.directory, claims);
    let viewer = tokio::time::timeout(state.db_timeout, resolving)
        .await
        .map_err(|_| {
            AppError::Unavailable("the database is not answering; retry later".into())
        })??;
    Ok((viewer, expires))
}
