//! OTLP traces, only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! is set; otherwise nothing here runs and no span is built.
//!
//! - **One span per request**: the router's `request` span (`http::app::router`), exported by
//!   `tracing-opentelemetry`, with `request_id`, method and path.
//! - **One span per SQL statement**, child of the request's span, with `hub389.request_id`
//!   and the statement's text (placeholders only: the values are never in a span). sqlx logs
//!   a statement as a tracing *event* once it is done, not as a span, and sea-orm's own spans
//!   are per call at TRACE; the statement observers
//!   ([`crate::db::Observers`]) are called once per statement with its elapsed
//!   time, on the task that ran it, so [`statement_observer`] builds each span there, back-dated to
//!   when the statement started. The DataLoader runs its batches on tasks of their own; its
//!   spawner ([`spawn_in_request`]) carries the request's span and id onto them.
//!
//! Export is OTLP over HTTP/protobuf (`OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318`;
//! `/v1/traces` is appended as the specification says; the other `OTEL_EXPORTER_OTLP_*`
//! variables apply, `OTEL_SERVICE_NAME` defaults to `hub389`). Spans leave in batches from the
//! SDK's export thread; [`flush`] sends what is queued (at shutdown), [`shutdown`] stops it.

use std::future::Future;
use std::sync::OnceLock;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanKind, Status, Tracer as _, TracerProvider as _};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();
static TRACER: OnceLock<SdkTracer> = OnceLock::new();

tokio::task_local! {
    /// The request id of the request this task serves (set by the access-log middleware).
    static REQUEST_ID: String;
}

/// Whether an endpoint is configured.
pub fn configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|v| !v.trim().is_empty()))
}

/// Whether traces are being exported (set up by [`tracer`]).
pub fn enabled() -> bool {
    TRACER.get().is_some()
}

/// The exporter's HTTP client: our reqwest client, run on the server's runtime. The SDK calls
/// the exporter from a thread of its own that has no tokio reactor, so the request is spawned
/// onto the runtime captured at start and the export thread only waits for its answer.
#[derive(Debug, Clone)]
struct RuntimeClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for RuntimeClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let request = reqwest::Request::try_from(request)?;
            let mut response = client.execute(request).await?.error_for_status()?;
            let headers = std::mem::take(response.headers_mut());
            let mut answer = Response::builder()
                .status(response.status())
                .body(response.bytes().await?)?;
            *answer.headers_mut() = headers;
            Ok::<_, HttpError>(answer)
        });
        sent.await?
    }
}

/// Builds the exporter and the tracer (once); `None` without an endpoint. Needs a tokio runtime
/// (the server's), which the exporter's requests run on.
pub fn tracer() -> anyhow::Result<Option<SdkTracer>> {
    if !configured() {
        return Ok(None);
    }
    if let Some(t) = TRACER.get() {
        return Ok(Some(t.clone()));
    }
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
    // The SDK takes any text and fails on every export; a typo should stop the start instead.
    for var in [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
            && !url::Url::parse(v.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            anyhow::bail!("{var} is not an http(s) URL: {v}");
        }
    }
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| anyhow::anyhow!("OTLP export needs the server's tokio runtime"))?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_http_client(RuntimeClient {
            client: reqwest::Client::builder()
                .build()
                .map_err(|e| anyhow::anyhow!("the OTLP exporter's HTTP client: {e}"))?,
            runtime,
        })
        .build()
        .map_err(|e| anyhow::anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "hub389".into());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build();
    let tracer = provider.tracer("hub389");
    let _ = PROVIDER.set(provider);
    let _ = TRACER.set(tracer.clone());
    Ok(Some(tracer))
}

/// The statement observer that makes a span per statement, when traces are exported; `None`
/// otherwise (with no observer at all, sea-orm does not time its statements).
pub fn statement_observer() -> Option<fn(&sea_orm::metric::Info<'_>)> {
    enabled().then_some(statement_span as fn(&sea_orm::metric::Info<'_>))
}

/// The longest statement text a span carries.
const MAX_SQL: usize = 2048;

fn statement_span(info: &sea_orm::metric::Info<'_>) {
    let Some(tracer) = TRACER.get() else {
        return;
    };
    let end = SystemTime::now();
    let start = end.checked_sub(info.elapsed).unwrap_or(end);
    let sql = &info.statement.sql;
    let verb = sql
        .split_whitespace()
        .next()
        .unwrap_or("SQL")
        .to_ascii_uppercase();
    let system = match info.statement.db_backend {
        sea_orm::DbBackend::Postgres => "postgresql",
        sea_orm::DbBackend::Sqlite => "sqlite",
        _ => "other_sql",
    };
    let mut attributes = vec![
        KeyValue::new("db.system.name", system),
        KeyValue::new(
            "db.query.text",
            sql.chars().take(MAX_SQL).collect::<String>(),
        ),
    ];
    if let Some(id) = request_id() {
        attributes.push(KeyValue::new("hub389.request_id", id));
    }
    let parent = tracing::Span::current().context();
    let mut span = tracer
        .span_builder(verb)
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    if info.failed {
        span.set_status(Status::error("the statement failed"));
    }
    span.end_with_timestamp(end);
}

/// The request id of the request the current task serves, if any.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `fut` as part of request `id` (for the statements' spans). Without export, `fut` as is.
pub async fn in_request<F: Future>(id: String, fut: F) -> F::Output {
    if enabled() {
        REQUEST_ID.scope(id, fut).await
    } else {
        fut.await
    }
}

/// `tokio::spawn` that keeps the request's span and id on the new task, for the DataLoader's
/// batches (each runs on a task of its own).
pub fn spawn_in_request<F>(fut: F) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    if !enabled() {
        return tokio::spawn(fut);
    }
    use tracing::Instrument;
    let span = tracing::Span::current();
    match request_id() {
        Some(id) => tokio::spawn(REQUEST_ID.scope(id, fut).instrument(span)),
        None => tokio::spawn(fut.instrument(span)),
    }
}

/// Exports the spans queued so far. Blocks until the collector answered (or the export timed
/// out): call it off the runtime's threads (`spawn_blocking`).
pub fn flush() {
    if let Some(p) = PROVIDER.get()
        && let Err(e) = p.force_flush()
    {
        tracing::warn!(error = %e, "exporting the last spans");
    }
}

/// Exports what is queued and stops the exporter (the process is ending). Blocks like [`flush`].
pub fn shutdown() {
    if let Some(p) = PROVIDER.get()
        && let Err(e) = p.shutdown()
    {
        tracing::warn!(error = %e, "stopping the span exporter");
    }
}
