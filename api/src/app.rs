//! The HTTP application: database set-up, routes, request ids and tracing, and the GraphQL
//! handler that authenticates each request and gives it fresh loaders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::{
    BatchRequest, BatchResponse, ErrorExtensions, Response as GqlResponse, ServerError,
};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::auth::{Claims, JwtKeys, Role, Viewer};
use crate::config::Config;
use crate::error::AppError;
use crate::graphql::{AppSchema, RequestCtx, Services, build_schema};
use crate::keys::Keys;
use crate::loaders::Loaders;
use crate::workflow::ReadTrail;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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
}

/// Opens the database as configured (see [`crate::db::connect`]).
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    crate::db::connect(&config.db_settings()).await
}

/// Everything that must hold before the server (or the seeder) may touch the data, in the
/// order that keeps a refused start free of side effects: keys read and checked (including
/// against the fingerprint stored in the database), the database writable, and only then
/// migrations, the key fingerprint and the demo data (encrypted before it is committed).
pub async fn open_database(
    config: &Config,
    db: Option<DatabaseConnection>,
    preflight: crate::keys::Preflight,
) -> anyhow::Result<(DatabaseConnection, Keys)> {
    let db = match db {
        Some(db) => db,
        None => connect(config).await?,
    };
    tracing::info!(database = %config.database_display(), "database");
    crate::db::check_writable(&db, &config.database_url).await?;
    let keys = crate::keys::settle(&db, config, preflight).await?;
    tracing::info!(key = %keys.jwt.source, "token verification key");
    tracing::info!(key = %keys.data_source, fingerprint = %keys.data.fingerprint(), "informant data key");
    migration::Migrator::up(&db, None).await?;
    crate::keys::record_fingerprint(&db, &keys.data).await?;
    if config.demo_data && crate::seed::is_empty(&db).await? {
        crate::seed::load_demo(&db, &keys.data).await?;
    }
    crate::keys::encrypt_clear_reporters(&db, &keys.data).await?;
    Ok((db, keys))
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    shutdown_grace: Duration,
    shutdown_delay: Duration,
}

impl Application {
    /// Builds the whole application. `db` lets tests hand in a connection they instrument;
    /// otherwise the configured database is opened. Binding port 0 picks a free port.
    ///
    /// Start-up fails fast and names the culprit, before any side effect: a bad or missing
    /// key (variable or file), the address already in use, the database unreachable or
    /// read-only, or a data key that is not the database's.
    pub async fn build(
        config: &Config,
        db: Option<DatabaseConnection>,
    ) -> anyhow::Result<Application> {
        let preflight = crate::keys::preflight(config)?;
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {} (HUB389_BIND): {e}", config.bind))?;
        let (db, keys) = open_database(config, db, preflight).await?;
        let services = Services {
            data_key: keys.data,
            tip_limiter: crate::tips::service::TipRateLimiter::new(
                config.workflow.tip_rate_per_minute,
            ),
            workflow: config.workflow.clone(),
        };
        let state = AppState {
            schema: build_schema(db.clone(), &config.limits, services),
            db,
            keys: Arc::new(keys.jwt),
            max_batch: config.limits.max_batch,
            draining: Arc::new(AtomicBool::new(false)),
        };
        let router = router(state.clone(), config.limits.max_body_bytes);
        Ok(Application {
            listener,
            router,
            state,
            shutdown_grace: config.shutdown_grace,
            shutdown_delay: config.shutdown_delay,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then: readiness goes red, after `shutdown_delay` the
    /// listener closes (new connections are refused), in-flight requests get up to
    /// `shutdown_grace` to finish, the pool is closed, and it returns.
    pub async fn run_until(
        self,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = ?self.listener.local_addr(), "listening");
        let draining = self.state.draining.clone();
        let delay = self.shutdown_delay;
        let (closed_tx, mut closed_rx) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            signal.await;
            draining.store(true, Ordering::SeqCst);
            tracing::info!(delay = ?delay, "shutdown requested: readiness is red");
            tokio::time::sleep(delay).await;
            tracing::info!("listener closed; finishing in-flight requests");
            let _ = closed_tx.send(true);
        };
        // Connect info gives the client address for the tip rate limit.
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, service).with_graceful_shutdown(shutdown);
        let grace = self.shutdown_grace;
        let deadline = async move {
            let _ = closed_rx.wait_for(|closed| *closed).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = server => served?,
            () = deadline => {
                tracing::warn!(grace = ?grace, "grace period over with requests still running; exiting");
            }
        }
        if let Err(e) = self.state.db.close_by_ref().await {
            tracing::warn!(error = %e, "closing the database pool");
        }
        tracing::info!("shut down");
        Ok(())
    }
}

/// SIGTERM (systemd, Docker, Kubernetes) or SIGINT (Ctrl-C), whichever comes first.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = term => tracing::info!("SIGTERM received"),
    }
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
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                })
                // A 503 during an outage is expected, not an ERROR per request; the cause is
                // logged once where it happens.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database before saying "not ready".
const READY_BOUND: Duration = Duration::from_secs(2);

/// Readiness: not shutting down, and the database accepts a write within [`READY_BOUND`]
/// (see [`crate::db::probe_write`]) — red while writes fail, whatever the cause.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match crate::db::ready(&state.db, READY_BOUND).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(cause) => {
            tracing::warn!(%cause, "not ready: the database does not accept writes");
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
        return error_response(match e {
            AppError::Unavailable(m) => AppError::Unavailable(m),
            other => AppError::internal(anyhow::anyhow!(
                "writing the read audit failed: {}",
                other.message()
            )),
        });
    }
    resp
}

/// True when any error of the response is `UNAVAILABLE`.
fn unavailable(resp: &GqlResponse) -> bool {
    resp.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from("UNAVAILABLE"))
    })
}

/// A GraphQL response over HTTP: 503 with `Retry-After` when the database was unavailable,
/// so clients and proxies can tell an outage (retry later) from a bug or a bad request.
fn http_response(batch: BatchResponse) -> Response {
    let down = match &batch {
        BatchResponse::Single(r) => unavailable(r),
        BatchResponse::Batch(rs) => rs.iter().any(unavailable),
    };
    let mut resp = GraphQLResponse::from(batch).into_response();
    if down {
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(crate::error::RETRY_AFTER_SECONDS),
        );
    }
    resp
}

async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLBatchRequest,
) -> Response {
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
            return http_response(BatchResponse::Single(error_response(err)));
        }
    }
    let viewer = match authenticate(&state, &headers).await {
        Ok(v) => v,
        Err(e) => {
            let make = |e: &AppError| {
                error_response(match e {
                    AppError::Unauthenticated(m) => AppError::Unauthenticated(m.clone()),
                    AppError::Unavailable(m) => AppError::Unavailable(m.clone()),
                    _ => AppError::Internal(anyhow::anyhow!("authentication failed")),
                })
            };
            return http_response(match batch {
                BatchRequest::Single(_) => BatchResponse::Single(make(&e)),
                BatchRequest::Batch(items) => {
                    BatchResponse::Batch(items.iter().map(|_| make(&e)).collect())
                }
            });
        }
    };
    http_response(match batch {
        BatchRequest::Single(r) => {
            BatchResponse::Single(execute_one(&state, viewer, &request_id, client_ip, r).await)
        }
        BatchRequest::Batch(items) => {
            let mut out = Vec::with_capacity(items.len());
            for r in items {
                out.push(execute_one(&state, viewer.clone(), &request_id, client_ip, r).await);
            }
            BatchResponse::Batch(out)
        }
    })
}

#[allow(dead_code)]
fn _assert_server_error(_: ServerError) {}
