//! How an [`AppError`] reaches a GraphQL client: its message and `extensions.code`, nothing
//! else. Internal faults are logged here in full, once, and shown as the opaque `INTERNAL`.

use async_graphql::ErrorExtensions;

use crate::error::AppError;

impl AppError {
    /// The error as one that no resolver produced (a request refused as a whole: a limit, a
    /// budget, authentication): no path and no `locations`, with its code.
    pub fn into_server_error(self) -> async_graphql::ServerError {
        let e: async_graphql::Error = self.into();
        let mut server = async_graphql::ServerError::new(e.message, None);
        server.extensions = e.extensions;
        server
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
