//! The HTTP application: database set-up, routes, request ids and tracing, and the GraphQL
//! handler that authenticates each request and gives it fresh loaders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::{
    BatchRequest, BatchResponse, ErrorExtensions, Response as GqlResponse, ServerError,
};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use migration::MigratorTrait;
use sea_orm::{
    ColumnTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait, QueryFilter,
};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{Claims, JwtKeys, Role, Viewer};
use crate::config::{Config, sqlite_path};
use crate::crypto::DataKey;
use crate::error::AppError;
use crate::graphql::{AppSchema, RequestCtx, Services, build_schema};
use crate::loaders::Loaders;
use crate::workflow::ReadTrail;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Shared, immutable state: the API keeps nothing per user between requests, so any number of
/// instances can run behind a load balancer over one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub keys: Arc<JwtKeys>,
    pub max_batch: usize,
}

/// Opens the database: for SQLite, creates the file if needed, with WAL and a busy timeout so
/// readers and the writer do not block each other.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut url = url.to_string();
    if url.starts_with("sqlite:") && sqlite_path(&url).is_some() && !url.contains("mode=") {
        url.push_str(if url.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        opts.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        opts.max_connections(20);
    }
    Ok(Database::connect(opts).await?)
}

/// Applies pending migrations and, when the database is empty and demo data is enabled, loads
/// the demo data.
pub async fn prepare_database(db: &DatabaseConnection, demo_data: bool) -> anyhow::Result<()> {
    migration::Migrator::up(db, None).await?;
    if demo_data && crate::seed::is_empty(db).await? {
        crate::seed::load_demo(db).await?;
    }
    Ok(())
}

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Builds the whole application. `db` lets tests hand in a connection they instrument;
    /// otherwise `config.database_url` is opened. Binding port 0 picks a free port.
    pub async fn build(
        config: &Config,
        db: Option<DatabaseConnection>,
    ) -> anyhow::Result<Application> {
        let db = match db {
            Some(db) => db,
            None => connect(&config.database_url).await?,
        };
        tracing::info!(database = %config.database_display(), "database");
        prepare_database(&db, config.demo_data).await?;
        let keys = JwtKeys::from_settings(&config.jwt, &config.data_dir)?;
        tracing::info!(key = %keys.source, "token verification key");
        let (data_key, data_key_source) =
            DataKey::load(config.data_key.as_ref(), &config.data_dir)?;
        tracing::info!(key = %data_key_source, "informant data key");
        crate::tips::encrypt_clear_reporters(&db, &data_key)
            .await
            .map_err(AppError::into_anyhow)?;
        let services = Services {
            data_key,
            tip_limiter: crate::tips::service::TipRateLimiter::new(
                config.workflow.tip_rate_per_minute,
            ),
            workflow: config.workflow.clone(),
        };
        let state = AppState {
            schema: build_schema(db.clone(), &config.limits, services),
            db,
            keys: Arc::new(keys),
            max_batch: config.limits.max_batch,
        };
        let router = router(state, config.limits.max_body_bytes);
        let listener = TcpListener::bind(config.bind).await?;
        Ok(Application { listener, router })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub async fn run(self) -> std::io::Result<()> {
        tracing::info!(addr = ?self.listener.local_addr(), "listening");
        // Connect info gives the client address for the tip rate limit.
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown())
            .await
    }
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}

pub fn router(state: AppState, max_body: usize) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/export/{file}", get(crate::statistics::export::export))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

fn error_response(err: AppError) -> GqlResponse {
    let e: async_graphql::Error = err.into();
    GqlResponse::from_errors(vec![e.into_server_error(async_graphql::Pos::default())])
}

/// Authenticates a plain HTTP request (the exports) exactly as a GraphQL one.
pub async fn authenticate_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Viewer>, AppError> {
    authenticate(state, headers).await
}

/// Reads the bearer token, verifies it and resolves its agency and commune codes.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, AppError> {
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
    let claims = state.keys.verify(token)?;
    resolve_viewer(&state.db, claims).await.map(Some)
}

async fn resolve_viewer(db: &DatabaseConnection, claims: Claims) -> Result<Viewer, AppError> {
    use entity::{agencies, communes};
    let agency = match &claims.agency {
        Some(code) => Some(
            agencies::Entity::find()
                .filter(agencies::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::Unauthenticated("the token names an unknown agency".into())
                })?,
        ),
        None => None,
    };
    let commune = match (&claims.commune, claims.role) {
        (Some(code), Role::Commune) => Some(
            communes::Entity::find()
                .filter(communes::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::Unauthenticated("the token names an unknown commune".into())
                })?,
        ),
        _ => None,
    };
    Ok(Viewer {
        sub: claims.sub,
        role: claims.role,
        agency_id: agency.as_ref().map(|a| a.id),
        agency_code: agency.map(|a| a.code),
        commune_id: commune.as_ref().map(|c| c.id),
        commune_code: commune.map(|c| c.code),
    })
}

/// Gives every error a code from the small set: request-level errors (syntax, validation,
/// depth and complexity limits, argument coercion) are `BAD_USER_INPUT`; anything else without
/// a code is unexpected, so it is logged and shown as an opaque `INTERNAL`.
fn normalise_errors(resp: &mut GqlResponse) {
    for err in &mut resp.errors {
        let has_code = err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let input_error = err.path.is_empty()
            || err.message.starts_with("Invalid value for argument")
            || err.message.starts_with("Failed to parse");
        let code = if input_error {
            "BAD_USER_INPUT"
        } else {
            tracing::error!(message = %err.message, path = ?err.path, "uncoded resolver error");
            err.message = "internal error".into();
            "INTERNAL"
        };
        let ext = async_graphql::Error::new("").extend_with(|_, e| e.set("code", code));
        err.extensions = ext.extensions;
    }
}

async fn execute_one(
    state: &AppState,
    viewer: Option<Viewer>,
    request_id: &str,
    client_ip: Option<std::net::IpAddr>,
    req: async_graphql::Request,
) -> GqlResponse {
    let reads = Arc::new(ReadTrail::default());
    let req = req
        .data(RequestCtx {
            viewer: viewer.clone(),
            request_id: request_id.to_string(),
            client_ip,
            reads: reads.clone(),
        })
        .data(Loaders::new(&state.db));
    let mut resp = state.schema.execute(req).await;
    normalise_errors(&mut resp);
    // Restricted data leaves only with its audit event written; if that fails, nothing leaves.
    if let Err(e) =
        crate::workflow::flush_reads(&state.db, viewer.as_ref(), request_id, &reads).await
    {
        return error_response(AppError::internal(anyhow::anyhow!(
            "writing the read audit failed: {}",
            e.message()
        )));
    }
    resp
}

async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLBatchRequest,
) -> GraphQLResponse {
    let client_ip = Some(peer.ip());
    let request_id = headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let batch = req.into_inner();
    if let BatchRequest::Batch(items) = &batch {
        if items.len() > state.max_batch {
            let err = AppError::bad_input(format!(
                "at most {} operations per request",
                state.max_batch
            ));
            return BatchResponse::Single(error_response(err)).into();
        }
    }
    let viewer = match authenticate(&state, &headers).await {
        Ok(v) => v,
        Err(e) => {
            let make = |e: &AppError| {
                error_response(match e {
                    AppError::Unauthenticated(m) => AppError::Unauthenticated(m.clone()),
                    _ => AppError::Internal(anyhow::anyhow!("authentication failed")),
                })
            };
            return match batch {
                BatchRequest::Single(_) => BatchResponse::Single(make(&e)).into(),
                BatchRequest::Batch(items) => {
                    BatchResponse::Batch(items.iter().map(|_| make(&e)).collect()).into()
                }
            };
        }
    };
    match batch {
        BatchRequest::Single(r) => {
            BatchResponse::Single(execute_one(&state, viewer, &request_id, client_ip, r).await)
                .into()
        }
        BatchRequest::Batch(items) => {
            let mut out = Vec::with_capacity(items.len());
            for r in items {
                out.push(execute_one(&state, viewer.clone(), &request_id, client_ip, r).await);
            }
            BatchResponse::Batch(out).into()
        }
    }
}

#[allow(dead_code)]
fn _assert_server_error(_: ServerError) {}
