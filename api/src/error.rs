//! The one error type of the API. Each variant documents what the client sees; every GraphQL
//! error carries `extensions.code` from this small set and nothing else.

/// What went wrong, as the client is allowed to know it.
///
/// Messages are written by us, never formatted from restricted data: a `Forbidden` names the
/// field or filter that was refused, never the value behind it.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type into
/// an error without a code, and we want every conversion to go through `From<AppError>` (in `graphql/error.rs`).
#[derive(Debug)]
pub enum AppError {
    /// `UNAUTHENTICATED`: no usable token (missing where required, bad, expired, wrongly signed).
    Unauthenticated(String),
    /// `FORBIDDEN`: the viewer's role may not read or do this.
    Forbidden(String),
    /// `NOT_FOUND`: no such record in the viewer's scope (indistinguishable from "exists but
    /// not yours", so scope cannot be probed).
    NotFound(String),
    /// `BAD_USER_INPUT`: the request is well-formed GraphQL but its values are not acceptable.
    BadInput(String),
    /// `CONFLICT`: a stale version, a duplicate, or an idempotency key reused with another input.
    Conflict(String),
    /// `RATE_LIMITED`: the client used up an allowance (tips or tracking lookups per address,
    /// refused publication texts per user, the cost budget of its queries per minute). Nothing
    /// was done; over HTTP the response is 429 with `Retry-After`.
    RateLimited(String),
    /// `UNAVAILABLE`: the database cannot be used right now (unreachable, out of space,
    /// read-only, shutting down). Nothing was done; the same request may be retried later.
    /// Over HTTP the response is 503 with `Retry-After`.
    Unavailable(String),
    /// `INTERNAL`: anything else. Logged in full server-side; the client sees an opaque message.
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// Seconds a client is asked to wait (`Retry-After`) after `UNAVAILABLE`.
pub const RETRY_AFTER_SECONDS: u32 = 5;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::RateLimited(_) => "RATE_LIMITED",
            AppError::Unavailable(_) => "UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status of a plain-HTTP response carrying this error (the exports; GraphQL
    /// responses use it for `UNAVAILABLE`, see `app.rs`).
    pub fn http_status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadInput(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message the client sees.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::BadInput(m)
            | AppError::Conflict(m)
            | AppError::RateLimited(m)
            | AppError::Unavailable(m) => m.clone(),
            AppError::Internal(_) => "internal error".to_string(),
        }
    }

    /// For start-up code that reports with `anyhow`.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            AppError::Internal(e) => e,
            other => anyhow::anyhow!(other.message()),
        }
    }

    pub fn forbidden(what: impl Into<String>) -> Self {
        AppError::Forbidden(what.into())
    }

    pub fn bad_input(what: impl Into<String>) -> Self {
        AppError::BadInput(what.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<sea_orm::DbErr> for AppError {
    /// Constraint violations are the client's doing and say so (without echoing values); an
    /// unusable database is `UNAVAILABLE` (see [`crate::db::is_unavailable`]); anything else is
    /// internal.
    fn from(err: sea_orm::DbErr) -> Self {
        crate::db::note_if_storage_fault(&err);
        if crate::db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return AppError::Unavailable("the database is unavailable; retry later".into());
        }
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("a record with these values already exists".into())
            }
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::BadInput("the input refers to a record that does not exist".into())
            }
            _ => AppError::Internal(err.into()),
        }
    }
}
