//! The HTTP application: database set-up, routes, request ids and tracing, and the GraphQL
//! handler that authenticates each request and gives it fresh loaders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderValue;
use axum::http::{HeaderName, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use migration::MigratorTrait;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::config::{Config, MetricsAccess};
use crate::error::AppError;
use crate::graphql::context::Services;
use crate::graphql::schema::build_schema;
use crate::http::state::{AppState, REQUEST_ID};
use crate::keys::Keys;
use crate::telemetry::access::{AccessInfo, AccessLine};

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
    tracing::info!(key = %keys.jwt.origin, "token verification key");
    tracing::info!(key = %keys.data_source, fingerprint = %keys.data.fingerprint(), "informant data key");
    migration::Migrator::up(&db, None).await?;
    crate::keys::record_fingerprint(&db, &keys.data).await?;
    if config.demo_data && crate::seed::is_empty(&db).await? {
        crate::seed::load_demo(&db, &keys.data).await?;
    }
    crate::keys::encrypt_clear_reporters(&db, &keys.data).await?;
    let built_in: Vec<(String, String)> = crate::graphql::trusted::BUILT_IN
        .iter()
        .map(|(label, doc)| (format!("built-in {label}"), doc.to_string()))
        .collect();
    crate::graphql::trusted::register(&db, &built_in).await?;
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
    /// Builds the whole application. `db` lets tests hand in a database of their own;
    /// otherwise the configured database is opened. Binding port 0 picks a free port.
    ///
    /// Start-up fails fast and names the culprit, before any side effect: a bad or missing
    /// key (variable or file), the address already in use, the database unreachable or
    /// read-only, or a data key that is not the database's.
    pub async fn build(
        config: &Config,
        db: Option<DatabaseConnection>,
    ) -> anyhow::Result<Application> {
        Application::build_observed(config, db, crate::db::Observers::default()).await
    }

    /// [`Application::build`] with statement observers (tests count statements with one):
    /// each is called once per SQL statement, whichever way the statement runs.
    pub async fn build_observed(
        config: &Config,
        db: Option<DatabaseConnection>,
        observers: crate::db::Observers,
    ) -> anyhow::Result<Application> {
        config.check()?;
        if config.metrics.enabled() {
            crate::telemetry::metrics::install();
        }
        let preflight = crate::keys::preflight(config)?;
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {} (HUB389_BIND): {e}", config.bind))?;
        let (mut db, keys) = open_database(config, db, preflight).await?;
        // A span per SQL statement when traces are exported (`telemetry/otel.rs`).
        let observers = observers.with_traces();
        observers.install(&mut db);
        crate::crypto::Opaque::install(&keys.data);
        let limiters = Arc::new(crate::limiter::Limiters::new(
            &config.limits,
            &config.workflow,
        ));
        let events = crate::service::events::Events::connect(&db);
        crate::service::deadlines::start(db.clone(), events.clone(), config.workflow.deadline_scan);
        let directory = Arc::new(crate::service::viewer::Directory::new(&events));
        let services = Services {
            data_key: keys.data,
            limiters: limiters.clone(),
            events,
            workflow: config.workflow.clone(),
            directory: directory.clone(),
        };
        let reads = crate::db::ReadPool::new(&db, &observers);
        let state = AppState {
            schema: build_schema(db.clone(), &config.limits, services).await?,
            read_audit: crate::service::audit::ReadAuditWriter::start(&db),
            live_sockets: Default::default(),
            live_bounds: (
                config.limits.live_sockets_per_address,
                config.limits.live_sockets_per_user,
            ),
            db,
            keys: Arc::new(keys.jwt),
            max_batch: config.limits.max_batch,
            draining: Arc::new(AtomicBool::new(false)),
            trusted: Arc::default(),
            trusted_policy: config.limits.trusted_only.clone(),
            request_timeout: config.limits.request_timeout,
            db_timeout: config.db_timeout,
            small_cell_k: config.workflow.small_cell_k,
            limiters,
            trusted_proxies: config.limits.trusted_proxies.clone(),
            province: config.workflow.province.clone(),
            directory,
            metrics: config.metrics.clone(),
            reads,
        };
        let router = router(state.clone(), config);
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
        // The connections kept for reads first: closing the pool waits for them.
        self.state.reads.close();
        if let Err(e) = self.state.db.close_by_ref().await {
            tracing::warn!(error = %e, "closing the database pool");
        }
        // The spans of the last requests leave before the process does (the export thread
        // waits for the collector: off the runtime's threads).
        if crate::telemetry::otel::enabled() {
            let _ = tokio::task::spawn_blocking(crate::telemetry::otel::flush).await;
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

/// The routes, and the layers every request passes (listed below outermost first): CORS for
/// the configured origins, the security headers, compression (gzip or brotli, as the client
/// accepts), the request id, the access line, tracing, the body limit.
pub fn router(state: AppState, config: &Config) -> Router {
    let mut routes = Router::new();
    // Absent unless configured: without it `/metrics` is a 404 like any unknown path.
    if config.metrics.enabled() {
        routes = routes.route("/metrics", get(metrics));
    }
    let routes: Router = routes
        .route(
            "/graphql",
            get(crate::http::live::get)
                .post(crate::http::graphql::post)
                .fallback(crate::http::graphql::other_method),
        )
        .route("/graphiql/{file}", get(crate::http::graphiql::asset))
        .route("/export/{file}", get(crate::http::export::export))
        .route("/feed/published.atom", get(crate::http::feed::atom))
        .route("/feed/published.json", get(crate::http::feed::json))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(crate::http::graphql::no_route)
        .with_state(state);
    // The layers wrap the router as one service, outermost first. `Router::layer` would box
    // them around every route instead, and a request then cloned about a hundred boxed
    // services on its way in (callgrind: 2 % of a case list's instructions, issue 11).
    let stack = tower::ServiceBuilder::new()
        .layer(crate::http::cors::layer(&config.cors_origins))
        // Nothing is sniffed, framed or cached; no referrer leaks.
        .layer(default_header(header::CACHE_CONTROL, "no-store"))
        .layer(default_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .layer(default_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(default_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(default_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(sanitize_request_id))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Outside the request's span (its fields are on the line itself), inside the layer
        // that gives the request its id.
        .layer(axum::middleware::from_fn(access_log))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    // `otel.*`: the span's name and kind when exported as a trace.
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %req.method(),
                        path = %req.uri().path(),
                        otel.name = %format_args!("{} {}", req.method(), req.uri().path()),
                        otel.kind = "server",
                    )
                })
                // A 503 during an outage is expected, not an ERROR per request; the cause is
                // logged once where it happens.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn_with_state(
            config.limits.max_body_bytes,
            refuse_declared_oversize,
        ))
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        // A body must arrive whole within the request's deadline (headers sent halfway and
        // idle connections are the reverse proxy's to time out: `axum::serve` runs hyper
        // without a timer, so its header timeout does not apply; see the README).
        .layer(axum::middleware::from_fn_with_state(
            config.limits.request_timeout,
            body_deadline,
        ))
        .service(routes);
    Router::new().fallback_service(stack)
}

/// Writes the request's access-log line ([`crate::telemetry::access`]) once it is answered.
async fn access_log(req: Request<axum::body::Body>, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    // A client chooses the path of a request to an unknown route: bounded like the request id.
    let path: String = req.uri().path().chars().take(200).collect();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let resp = crate::telemetry::otel::in_request(request_id.clone(), next.run(req)).await;
    let info = resp
        .extensions()
        .get::<AccessInfo>()
        .cloned()
        .unwrap_or_default();
    AccessLine {
        request_id: &request_id,
        method: method.as_str(),
        path: &path,
        info: &info,
        status: resp.status().as_u16(),
        elapsed: started.elapsed(),
    }
    .emit();
    resp
}

/// `GET /metrics`: the Prometheus text format, for whom [`MetricsAccess`] allows. The pool's
/// figures are sampled now, so each scrape sees the current ones.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let MetricsAccess::Token(expected) = &state.metrics {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        if !same_secret(sent.as_bytes(), expected.expose()) {
            return crate::http::graphql::http_error(
                StatusCode::UNAUTHORIZED,
                crate::http::graphql::Wants::Json,
                AppError::Unauthenticated("`/metrics` needs the metrics token".into()),
            );
        }
    }
    if let Some((size, idle, max)) = crate::db::pool_use(&state.db) {
        crate::telemetry::metrics::pool_sampled(size, idle, max);
    }
    match crate::telemetry::metrics::render() {
        Some(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            text,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are off").into_response(),
    }
}

/// Compares the SHA-256 digests of both, byte by byte without stopping early, so the time taken
/// tells nothing about how much of a guessed token was right.
fn same_secret(sent: &[u8], expected: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(sent), Sha256::digest(expected));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A client's `x-request-id` is kept only when it is a plausible id (1–64 characters of
/// `[A-Za-z0-9._:-]`); anything else is replaced by a fresh UUID, so logs and the audit trail
/// never store a client's 8,000-character string.
async fn sanitize_request_id(
    mut req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let valid = req.headers().get(&REQUEST_ID).is_none_or(|v| {
        let b = v.as_bytes();
        (1..=64).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'))
    });
    if !valid {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

/// Refuses a body whose declared `Content-Length` is over the limit before reading any of it:
/// axum's body limit counts bytes as they arrive, so a client declaring 50 MB and sending
/// slowly would hold a connection (and the bytes read so far) until the limit was reached.
async fn refuse_declared_oversize(
    axum::extract::State(max): axum::extract::State<usize>,
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        let mut resp = crate::http::graphql::http_error(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            crate::http::graphql::Wants::of(req.headers()),
            AppError::bad_input("the request body is too large"),
        );
        // The unread body makes the connection unusable for another request.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    next.run(req).await
}

/// Gives the request's body a deadline for all of it: the time of the request, from its
/// headers. A review (stop 33) held requests open for minutes by sending a declared body a few
/// bytes at a time, first past a deadline for the body as a whole, then past tower-http's
/// `RequestBodyTimeoutLayer`, which waits that long for each chunk. Past the deadline the
/// body ends in an error, which the handler answers as any body it cannot read.
async fn body_deadline(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    use async_graphql::futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + limit;
    let (parts, body) = req.into_parts();
    let chunks = async_graphql::futures_util::stream::unfold(
        Some(body.into_data_stream()),
        move |state| async move {
            let mut data = state?;
            match tokio::time::timeout_at(deadline, data.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(data))),
                Ok(None) => None,
                Err(_) => Some((
                    Err(axum::Error::new("the request body did not arrive in time")),
                    None,
                )),
            }
        },
    );
    next.run(Request::from_parts(
        parts,
        axum::body::Body::from_stream(chunks),
    ))
    .await
}

/// A header every response carries unless it set its own (the GraphiQL page has its own CSP,
/// its assets their own caching).
fn default_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::routing::post;
    use tower::ServiceExt;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::telemetry::{LogFormat, fmt_layer};

    /// Log output kept in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// One JSON access-log line per request, with the operation, role, status and outcome the
    /// handler told, and nothing of the token or the URL's query string.
    #[test]
    fn the_access_line_carries_what_it_should_and_no_secret() {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("info"))
            .with(fmt_layer(LogFormat::Json, move || writer.clone()));
        let app = Router::new()
            .route(
                "/graphql",
                post(|| async {
                    let mut resp = (StatusCode::OK, "{}").into_response();
                    resp.extensions_mut().insert(AccessInfo {
                        operation: Some("CaseList".into()),
                        role: Some("police"),
                        outcome: Some("FORBIDDEN"),
                    });
                    resp
                }),
            )
            .layer(axum::middleware::from_fn(access_log));
        let req = Request::post("/graphql?variables=%7B%22idNumber%22%3A%22020080804601%22%7D")
            .header(header::AUTHORIZATION, "Bearer eyJsecret.token.value")
            .header(&REQUEST_ID, "req-42")
            .body(Body::empty())
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let resp = runtime.block_on(app.oneshot(req)).unwrap();
            assert_eq!(resp.status(), 200);
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["target"], "hub389::access");
        assert_eq!(line["request_id"], "req-42");
        assert_eq!(line["method"], "POST");
        assert_eq!(line["path"], "/graphql");
        assert_eq!(line["operation"], "CaseList");
        assert_eq!(line["role"], "police");
        assert_eq!(line["status"], 200);
        assert_eq!(line["outcome"], "FORBIDDEN");
        assert!(line["duration_ms"].as_f64().is_some(), "{line}");
        for secret in ["eyJsecret", "Bearer", "020080804601", "variables", "tester"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
