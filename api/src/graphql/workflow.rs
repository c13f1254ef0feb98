//! What every write shares: one transaction, optimistic versions, idempotency keys, and the
//! audit trail (of writes, and of reads of police, customs and informant data).

use std::collections::BTreeMap;

use async_graphql::Context;
use sea_orm::ConnectionTrait;

use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestCtx;
// The rules live in the GraphQL-free service layer; resolvers reach them from here too.
pub use crate::service::audit::{Audit, ReadTrail, audit};
pub use crate::service::write::check_idempotency_key;

/// Notes a search on restricted data for the audit log (see [`ReadTrail::note_search`]).
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

/// The entity id a previous call with this key created, if any (the GraphQL side of
/// [`crate::service::write::try_processing`]: the fingerprint is taken from the field's
/// arguments).
pub async fn idempotent_result<C: ConnectionTrait>(
    ctx: &Context<'_>,
    conn: &C,
    subject: &str,
    key: &str,
    operation: &str,
) -> AppResult<Option<i64>> {
    let keyed = keyed(ctx, key, operation)?;
    Ok(
        match crate::service::write::try_processing(conn, subject, &keyed, operation).await? {
            crate::service::write::NextAction::Replay(id) => Some(id),
            crate::service::write::NextAction::StartProcessing => None,
        },
    )
}

/// Remembers what a keyed creation made, with its request fingerprint (same transaction as
/// the creation; [`crate::service::write::save_response`]).
pub async fn remember<C: ConnectionTrait>(
    ctx: &Context<'_>,
    conn: &C,
    subject: &str,
    key: &str,
    operation: &str,
    entity: &str,
    entity_id: i64,
) -> AppResult<()> {
    let keyed = keyed(ctx, key, operation)?;
    crate::service::write::save_response(conn, subject, &keyed, operation, entity, entity_id).await
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

/// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite; see [`crate::db::begin_write`]).
pub async fn begin(db: &sea_orm::DatabaseConnection) -> AppResult<sea_orm::DatabaseTransaction> {
    Ok(crate::db::begin_write(db).await?)
}
