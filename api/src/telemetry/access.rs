//! The access log: one line per HTTP request at INFO (target `hub389::access`), written by the
//! router's outermost handler of each request (`http::app::access_log`).
//!
//! It carries what an operator needs and nothing a client sent as data: the request id, the
//! method, the path (never the query string: a GET's URL holds the query and its variables),
//! the GraphQL operation's bounded label ([`super::metrics::operation_label`]), the viewer's
//! role (never the token, its subject, or any claim beyond the role), the HTTP status, the
//! outcome code and the time taken. Headers are never logged, so neither is `Authorization`.

use std::time::Duration;

/// What a handler tells the access log about its request, as a response extension (the GraphQL
/// handler and the HTTP-level errors set it; other routes leave it unset).
#[derive(Debug, Clone, Default)]
pub struct AccessInfo {
    /// The operations' labels, comma-separated for a batch.
    pub operation: Option<String>,
    pub role: Option<&'static str>,
    /// `OK`, or the first error's code (the first failed operation's, for a batch).
    pub outcome: Option<&'static str>,
}

/// One line of the access log.
#[derive(Debug)]
pub struct AccessLine<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub info: &'a AccessInfo,
    pub status: u16,
    pub elapsed: Duration,
}

impl AccessLine<'_> {
    /// The outcome when the handler did not say: from the HTTP status, with the same codes.
    pub fn outcome(&self) -> &'static str {
        if let Some(o) = self.info.outcome {
            return o;
        }
        match self.status {
            // 101: a WebSocket upgrade (logged as INTERNAL until stop 34's review).
            100..=399 => "OK",
            401 => "UNAUTHENTICATED",
            403 => "FORBIDDEN",
            404 => "NOT_FOUND",
            409 => "CONFLICT",
            429 => "RATE_LIMITED",
            400..=499 => "BAD_USER_INPUT",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        }
    }

    /// Milliseconds, to the microsecond.
    pub fn duration_ms(&self) -> f64 {
        (self.elapsed.as_micros() as f64) / 1000.0
    }

    /// Writes the line. Probes and scrapes (`/healthz`, `/readyz`, `/metrics`), which a load
    /// balancer and Prometheus send every few seconds, are at DEBUG: at INFO they would be most
    /// of the log.
    pub fn emit(&self) {
        let outcome = self.outcome();
        let operation = self.info.operation.as_deref().unwrap_or("-");
        let role = self.info.role.unwrap_or("-");
        let ms = self.duration_ms();
        if matches!(self.path, "/healthz" | "/readyz" | "/metrics") {
            tracing::debug!(
                target: "hub389::access",
                request_id = self.request_id, method = self.method, path = self.path,
                operation, role, status = self.status, outcome, duration_ms = ms,
                "request"
            );
        } else {
            tracing::info!(
                target: "hub389::access",
                request_id = self.request_id, method = self.method, path = self.path,
                operation, role, status = self.status, outcome, duration_ms = ms,
                "request"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_from_the_handler_or_the_status() {
        let info = AccessInfo::default();
        let line = |status| AccessLine {
            request_id: "r",
            method: "GET",
            path: "/export/x.csv",
            info: &info,
            status,
            elapsed: Duration::from_micros(1500),
        };
        assert_eq!(line(200).outcome(), "OK");
        assert_eq!(line(401).outcome(), "UNAUTHENTICATED");
        assert_eq!(line(415).outcome(), "BAD_USER_INPUT");
        assert_eq!(line(503).outcome(), "UNAVAILABLE");
        assert_eq!(line(500).outcome(), "INTERNAL");
        assert_eq!(line(101).outcome(), "OK");
        assert_eq!(line(200).duration_ms(), 1.5);
        let told = AccessInfo {
            outcome: Some("FORBIDDEN"),
            ..Default::default()
        };
        let line = AccessLine {
            info: &told,
            ..line(200)
        };
        assert_eq!(line.outcome(), "FORBIDDEN");
    }
}
