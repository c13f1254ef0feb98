//! Prometheus metrics: their names, the one recorder of the process, and the small functions the
//! rest of the server calls. Nothing here knows GraphQL or HTTP, so a service, a resolver or a
//! subscription transport can all count through it.
//!
//! | metric | type | labels | counts |
//! |---|---|---|---|
//! | `hub389_graphql_requests_total` | counter | `operation`, `outcome` | GraphQL operations answered (each operation of a batch once) |
//! | `hub389_graphql_request_duration_seconds` | histogram | `operation`, `outcome` | their time, from admission to the answer with its read audit written |
//! | `hub389_db_pool_connections` | gauge | | connections the main pool holds (sampled when scraped) |
//! | `hub389_db_pool_idle_connections` | gauge | | idle ones among them (those kept for reads between requests, `db/kept.rs`, count as in use) |
//! | `hub389_db_pool_max_connections` | gauge | | the pool's bound (`HUB389_DB_POOL_SIZE`) |
//! | `hub389_tips_received_total` | counter | | tips stored by `submitTip` (a replayed idempotency key is not a new tip) |
//! | `hub389_audit_events_written_total` | counter | `kind`: `write`, `read`, `refusal` | audit rows committed: one per write, the read events of each group commit, refused publication texts |
//! | `hub389_subscriptions_open` | gauge | | GraphQL subscriptions open now ([`subscription_opened`], [`subscription_closed`], or the guard [`SubscriptionOpen`]) |
//!
//! **Labels are bounded**, so no client can grow the label set (each label set is a time series
//! kept in memory here and in Prometheus). `outcome` is `OK` or the `extensions.code` of the
//! first error, one of the codes of [`crate::error::AppError`]. `operation` is the name of the
//! operation that ran, as the parsed document names it (never the request's `operationName`
//! field as sent), `anonymous` for an unnamed operation, `unparsed` when the request was
//! refused before its document was parsed; names of registered (trusted) documents are always
//! kept, and other names take one of [`MAX_OPERATION_NAMES`] places, first come, first served;
//! past that, and for a name longer than [`MAX_OPERATION_NAME_LEN`], the label is `other`. A
//! flood of made-up names therefore adds at most that many series, and registered documents
//! (the press's site, the public tip form) keep their own names whatever happens.
//!
//! The recorder is global to the process ([`install`] runs it once; tests start many servers
//! in one process and they share it).

use std::collections::HashSet;
use std::sync::{OnceLock, RwLock};
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const REQUESTS: &str = "hub389_graphql_requests_total";
pub const REQUEST_DURATION: &str = "hub389_graphql_request_duration_seconds";
pub const POOL_CONNECTIONS: &str = "hub389_db_pool_connections";
pub const POOL_IDLE: &str = "hub389_db_pool_idle_connections";
pub const POOL_MAX: &str = "hub389_db_pool_max_connections";
pub const TIPS_RECEIVED: &str = "hub389_tips_received_total";
pub const AUDIT_EVENTS: &str = "hub389_audit_events_written_total";
pub const SUBSCRIPTIONS_OPEN: &str = "hub389_subscriptions_open";
pub const CASE_PAGES: &str = "hub389_case_pages_total";

/// Operation names (besides registered documents' and the fixed labels) that get a label of
/// their own. A frontend has tens of named operations; a flood of invented names stops here.
pub const MAX_OPERATION_NAMES: usize = 100;
/// Longer names are folded to `other` (GraphQL names have no length limit).
pub const MAX_OPERATION_NAME_LEN: usize = 64;

/// The `operation` label of an unnamed operation.
pub const ANONYMOUS: &str = "anonymous";
/// The `operation` label of a request refused before its document was parsed (too long, not
/// a registered document where one is required, authentication failed, syntax error).
pub const UNPARSED: &str = "unparsed";
/// The `operation` label once the free places are taken, or for an overlong name.
pub const OTHER: &str = "other";

/// Request latency buckets, in seconds: from a cached lookup to the 15 s request timeout.
const DURATION_BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
];

/// The handle that renders the text format, once the recorder is installed.
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle). Until it is
/// installed, the functions below do nothing (the `metrics` facade's no-op recorder).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), DURATION_BUCKETS);
        let builder = match builder {
            Ok(b) => b,
            // Only an empty bucket list is refused, and ours is not empty.
            Err(e) => {
                tracing::error!(error = %e, "metrics buckets refused; latency as a summary");
                PrometheusBuilder::new()
            }
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        // Histograms keep raw samples until drained; a server nobody scrapes must not grow.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the metrics upkeep thread");
        }
        describe();
        handle
    })
}

/// Names and help texts, and the unlabelled series at zero, so a scrape shows every metric
/// from the start (a dashboard can tell "none yet" from "not exported").
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "GraphQL operations answered, by operation and outcome code"
    );
    describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time to answer a GraphQL operation, by operation and outcome code"
    );
    describe_gauge!(POOL_CONNECTIONS, "Connections the database pool holds");
    describe_gauge!(POOL_IDLE, "Idle connections in the database pool");
    describe_gauge!(POOL_MAX, "The most connections the database pool may hold");
    describe_counter!(TIPS_RECEIVED, "Tips received through submitTip");
    describe_counter!(AUDIT_EVENTS, "Audit events committed, by kind");
    describe_gauge!(SUBSCRIPTIONS_OPEN, "GraphQL subscriptions open");
    describe_counter!(
        CASE_PAGES,
        "Pages of cases answered, by path: written directly or by the GraphQL executor"
    );
    counter!(TIPS_RECEIVED).increment(0);
    for kind in [AuditKind::Write, AuditKind::Read, AuditKind::Refusal] {
        counter!(AUDIT_EVENTS, "kind" => kind.as_str()).increment(0);
    }
    gauge!(SUBSCRIPTIONS_OPEN).increment(0.0);
    for path in ["direct", "executor"] {
        counter!(CASE_PAGES, "path" => path).increment(0);
    }
}

/// The metrics in the Prometheus text exposition format, or `None` when no recorder was
/// installed (metrics off).
pub fn render() -> Option<String> {
    HANDLE.get().map(PrometheusHandle::render)
}

/// Counts one GraphQL operation and its time. `operation` comes from [`operation_label`],
/// `outcome` from [`outcome_label`].
pub fn graphql_operation(operation: &str, outcome: &'static str, elapsed: Duration) {
    let labels = [
        ("operation", operation.to_string()),
        ("outcome", outcome.to_string()),
    ];
    counter!(REQUESTS, &labels).increment(1);
    histogram!(REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
}

/// The `outcome` label of an error code: the code itself when it is one of ours, `OK` when
/// there was no error, `INTERNAL` for anything else (never a client-made string).
pub fn outcome_label(first_error_code: Option<&str>) -> &'static str {
    match first_error_code {
        None => "OK",
        Some("UNAUTHENTICATED") => "UNAUTHENTICATED",
        Some("FORBIDDEN") => "FORBIDDEN",
        Some("NOT_FOUND") => "NOT_FOUND",
        Some("BAD_USER_INPUT") => "BAD_USER_INPUT",
        Some("CONFLICT") => "CONFLICT",
        Some("RATE_LIMITED") => "RATE_LIMITED",
        Some("UNAVAILABLE") => "UNAVAILABLE",
        Some(_) => "INTERNAL",
    }
}

/// The operation names that have a label of their own.
#[derive(Default)]
pub struct OperationNames {
    /// Names of registered documents: always kept (their number is the registry's).
    trusted: HashSet<String>,
    /// Other names, first come, at most `cap`.
    free: HashSet<String>,
    cap: usize,
}

impl OperationNames {
    pub fn new(cap: usize) -> Self {
        OperationNames {
            cap,
            ..Default::default()
        }
    }

    /// The label for an operation named `name` (as the parsed document names it; `None` for
    /// an unnamed operation). `trusted`: the document is a registered one.
    pub fn label(&mut self, name: Option<&str>, trusted: bool) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_string();
        };
        if name.is_empty() || name.len() > MAX_OPERATION_NAME_LEN {
            return OTHER.to_string();
        }
        if self.trusted.contains(name) || self.free.contains(name) {
            return name.to_string();
        }
        if trusted {
            self.trusted.insert(name.to_string());
            return name.to_string();
        }
        if self.free.len() < self.cap {
            self.free.insert(name.to_string());
            return name.to_string();
        }
        OTHER.to_string()
    }

    fn known(&self, name: &str) -> bool {
        self.trusted.contains(name) || self.free.contains(name)
    }
}

fn names() -> &'static RwLock<OperationNames> {
    static NAMES: OnceLock<RwLock<OperationNames>> = OnceLock::new();
    NAMES.get_or_init(|| RwLock::new(OperationNames::new(MAX_OPERATION_NAMES)))
}

/// The bounded `operation` label of the process (see the module's doc).
pub fn operation_label(name: Option<&str>, trusted: bool) -> String {
    // Labels that need no look-up take no lock.
    let Some(n) = name else {
        return ANONYMOUS.to_string();
    };
    if n.is_empty() || n.len() > MAX_OPERATION_NAME_LEN {
        return OTHER.to_string();
    }
    // A known name only needs the shared lock: the common case under load.
    if let Ok(set) = names().read()
        && set.known(n)
    {
        return n.to_string();
    }
    match names().write() {
        Ok(mut set) => set.label(name, trusted),
        Err(_) => OTHER.to_string(),
    }
}

/// Samples the database pool; called when `/metrics` is scraped, so the figures are current.
pub fn pool_sampled(size: u32, idle: usize, max: u32) {
    gauge!(POOL_CONNECTIONS).set(f64::from(size));
    gauge!(POOL_IDLE).set(idle as f64);
    gauge!(POOL_MAX).set(f64::from(max));
}

/// A page of cases was answered: written directly (`graphql::cases::projection`) or, for a
/// selection that needs it, by the executor. A falling share of direct pages means clients
/// select what the direct path does not write.
pub fn case_page(direct: bool) {
    counter!(CASE_PAGES, "path" => if direct { "direct" } else { "executor" }).increment(1);
}

/// A tip was stored (`service::tips::submit`, after its transaction committed).
pub fn tip_received() {
    counter!(TIPS_RECEIVED).increment(1);
}

/// Which audit rows were committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// The event of a write, in the write's transaction (`service::write::write`).
    Write,
    /// Restricted reads, by the group commit (`service::audit::ReadAuditWriter`).
    Read,
    /// A refused publication text (`service::publications`).
    Refusal,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Write => "write",
            AuditKind::Read => "read",
            AuditKind::Refusal => "refusal",
        }
    }
}

/// `rows` audit events of `kind` were committed.
pub fn audit_events_written(kind: AuditKind, rows: u64) {
    counter!(AUDIT_EVENTS, "kind" => kind.as_str()).increment(rows);
}

/// A GraphQL subscription was opened; pair each call with [`subscription_closed`] (or hold a
/// [`SubscriptionOpen`], which does both).
pub fn subscription_opened() {
    gauge!(SUBSCRIPTIONS_OPEN).increment(1.0);
}

/// A subscription opened with [`subscription_opened`] ended (completed, closed by the client,
/// the socket dropped, the token expired).
pub fn subscription_closed() {
    gauge!(SUBSCRIPTIONS_OPEN).decrement(1.0);
}

/// Counts a subscription as open for as long as it is held: whatever way the stream ends
/// (dropped included), the gauge goes back down.
#[must_use = "the subscription counts as open only while this is held"]
pub struct SubscriptionOpen(());

impl SubscriptionOpen {
    pub fn new() -> Self {
        subscription_opened();
        SubscriptionOpen(())
    }
}

impl Default for SubscriptionOpen {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for SubscriptionOpen {
    fn drop(&mut self) {
        subscription_closed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_names_stop_at_the_cap_and_trusted_names_do_not() {
        let mut names = OperationNames::new(3);
        for i in 0..3 {
            assert_eq!(names.label(Some(&format!("Q{i}")), false), format!("Q{i}"));
        }
        assert_eq!(names.label(Some("Q3"), false), OTHER);
        // Known names keep their label; a registered document's name gets one past the cap.
        assert_eq!(names.label(Some("Q1"), false), "Q1");
        assert_eq!(names.label(Some("SubmitTip"), true), "SubmitTip");
        assert_eq!(names.label(Some("SubmitTip"), false), "SubmitTip");
        assert_eq!(names.label(None, false), ANONYMOUS);
        assert_eq!(names.label(Some(&"x".repeat(65)), true), OTHER);
    }

    #[test]
    fn outcomes_are_our_codes_only() {
        assert_eq!(outcome_label(None), "OK");
        assert_eq!(outcome_label(Some("FORBIDDEN")), "FORBIDDEN");
        assert_eq!(outcome_label(Some("made-up by a client")), "INTERNAL");
    }
}
