//! The one error type of the API. Each variant documents what the client sees; every GraphQL
//! error carries `extensions.code` from this small set and nothing else.

use async_graphql::ErrorExtensions;

/// What went wrong, as the client is allowed to know it.
///
/// Messages are written by us, never formatted from restricted data: a `Forbidden` names the
/// field or filter that was refused, never the value behind it.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type into
/// an error without a code, and we want every conversion to go through `From<AppError>` below.
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
    /// `CONFLICT`: a stale version or a duplicate.
    Conflict(String),
    /// `INTERNAL`: anything else. Logged in full server-side; the client sees an opaque message.
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message the client sees.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::BadInput(m)
            | AppError::Conflict(m) => m.clone(),
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
    /// Constraint violations are the client's doing and say so (without echoing values);
    /// anything else is internal.
    fn from(err: sea_orm::DbErr) -> Self {
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

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(inner) = &err {
            // Full detail goes to the log (with the request span's id), never to the client.
            tracing::error!(error = ?inner, "internal error");
        }
        let code = err.code();
        async_graphql::Error::new(err.message()).extend_with(|_, e| e.set("code", code))
    }
}
