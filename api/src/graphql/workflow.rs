//! The GraphQL side of writes and audited reads: the [`Writer`](crate::service::write::Writer)
//! of a request, a mutation's idempotency key with its request's fingerprint, and the
//! restricted reads a resolver notes for the audit trail. The rules themselves live in
//! `service::write` and `service::audit`.

use std::collections::BTreeMap;

use async_graphql::Context;

use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestCtx;

/// Notes a search on restricted data for the audit log (see [`crate::service::audit::ReadTrail::note_search`]).
pub fn note_search(ctx: &Context<'_>, entity: &'static str, field: &'static str) {
    if let Some(req) = ctx.data_opt::<RequestCtx>() {
        req.reads.note_search(entity, field);
    }
}

/// Notes a read of restricted data for the audit log.
pub fn note_read(ctx: &Context<'_>, entity: &'static str, id: i64, field: &'static str) {
    if let Some(req) = ctx.data_opt::<RequestCtx>() {
        req.reads.note(entity, id, field);
    }
}

/// The writer of a mutation anyone may call (a citizen's tip): the viewer if signed in.
pub fn any_writer<'a>(ctx: &'a Context<'_>) -> AppResult<crate::service::write::Writer<'a>> {
    let req = request(ctx)?;
    Ok(crate::service::write::Writer {
        db: crate::graphql::context::db(ctx)?,
        viewer: req.viewer.as_ref(),
        request_id: &req.request_id,
        events: &crate::graphql::context::services(ctx)?.events,
    })
}

/// The writer of a mutation that needs a token (`UNAUTHENTICATED` without one).
pub fn writer<'a>(ctx: &'a Context<'_>) -> AppResult<crate::service::write::Writer<'a>> {
    let w = any_writer(ctx)?;
    w.signed_in()?;
    Ok(w)
}

/// The request's viewer and id, for mutations.
pub fn request<'a>(ctx: &'a Context<'_>) -> AppResult<&'a RequestCtx> {
    ctx.data_opt::<RequestCtx>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no request context")))
}

/// The fingerprint of a keyed mutation's request: SHA-256 over the operation and its
/// arguments with variables substituted (so a retry may inline what it first sent as
/// variables), object fields sorted, explicit `null`s dropped (absent and null mean the same
/// input), and the idempotency key itself left out.
pub fn request_fingerprint(ctx: &Context<'_>, operation: &str) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    let args = ctx
        .field()
        .arguments()
        .map_err(|e| AppError::bad_input(e.message))?;
    let canonical: BTreeMap<String, serde_json::Value> = args
        .into_iter()
        .filter(|(name, _)| name.as_str() != "idempotencyKey")
        .filter_map(|(name, value)| {
            canonical_json(value.into_json().ok()?).map(|v| (name.to_string(), v))
        })
        .collect();
    let body = serde_json::to_string(&(operation, canonical))
        .map_err(|e| AppError::internal(anyhow::anyhow!("fingerprinting a request: {e}")))?;
    let digest = Sha256::digest(body.as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Sorted keys (explicitly: serde_json's map may keep insertion order), no null members.
fn canonical_json(v: serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    match v {
        Value::Null => None,
        Value::Array(items) => Some(Value::Array(
            items
                .into_iter()
                .map(|i| canonical_json(i).unwrap_or(Value::Null))
                .collect(),
        )),
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| canonical_json(v).map(|v| (k, v)))
                .collect();
            Some(Value::Object(sorted.into_iter().collect()))
        }
        other => Some(other),
    }
}

/// An idempotency key of a GraphQL mutation with its request's fingerprint (the key itself is
/// checked by `try_processing`).
pub fn keyed(
    ctx: &Context<'_>,
    key: &str,
    operation: &str,
) -> AppResult<crate::service::write::Keyed> {
    Ok(crate::service::write::Keyed {
        key: key.to_string(),
        fingerprint: request_fingerprint(ctx, operation)?,
    })
}

/// The optional idempotency key of a mutation, with its request's fingerprint.
pub fn key_of(
    ctx: &Context<'_>,
    key: Option<&str>,
    operation: &str,
) -> AppResult<Option<crate::service::write::Keyed>> {
    key.map(|k| keyed(ctx, k, operation)).transpose()
}
