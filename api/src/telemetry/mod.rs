//! Logging, metrics, the access log and OTLP traces, set up once per process. `RUST_LOG`
//! overrides the default filter; `HUB389_LOG_FORMAT` chooses the format (`text`, the default,
//! or `json`); `OTEL_EXPORTER_OTLP_ENDPOINT` turns traces on ([`otel`]).

pub mod access;
pub mod metrics;
pub mod otel;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    Text,
    /// One JSON object per line: the event's fields at the top level, the enclosing span's
    /// fields (the request id) under `span`.
    Json,
}

impl LogFormat {
    /// `HUB389_LOG_FORMAT`: `text` (or unset) or `json`; anything else is refused, so a typo
    /// does not silently give a log the shipper cannot parse.
    pub fn from_env() -> anyhow::Result<LogFormat> {
        match std::env::var("HUB389_LOG_FORMAT") {
            Err(_) => Ok(LogFormat::Text),
            Ok(v) => LogFormat::parse(&v),
        }
    }

    pub fn parse(value: &str) -> anyhow::Result<LogFormat> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => anyhow::bail!("HUB389_LOG_FORMAT is `text` or `json`, not `{other}`"),
        }
    }
}

/// The formatting layer for `format`, writing to `writer` (stderr in the server; tests capture).
pub fn fmt_layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_writer(writer)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
    }
}

fn default_filter() -> EnvFilter {
    EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"))
}

/// Sets up logging (and trace export when an OTLP endpoint is configured: then it must run on
/// the server's tokio runtime) for the process. Refuses an unknown `HUB389_LOG_FORMAT` or an
/// unusable OTLP setting. A second call (tests start many servers in one process) keeps the
/// first set-up.
pub fn init() -> anyhow::Result<()> {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if DONE.get().is_some() {
        return Ok(());
    }
    let format = LogFormat::from_env()?;
    let traces = otel::tracer()?.map(|tracer| tracing_opentelemetry::layer().with_tracer(tracer));
    // Logs go to stderr so that `hub389 token` prints nothing but the token on stdout.
    // `try_init`: another subscriber may have been installed first (a test's).
    let _ = tracing_subscriber::registry()
        .with(default_filter())
        .with(fmt_layer(format, std::io::stderr))
        .with(traces)
        .try_init();
    let _ = DONE.set(());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_format_is_text_or_json() {
        assert_eq!(LogFormat::parse("").unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse("JSON").unwrap(), LogFormat::Json);
        let err = LogFormat::parse("xml").unwrap_err().to_string();
        assert!(
            err.contains("HUB389_LOG_FORMAT") && err.contains("xml"),
            "{err}"
        );
    }
}
