//! The audit trail: one append-only event per write (in the write's transaction) and per
//! request that read restricted data. Names of fields only, never values.

use std::collections::BTreeMap;
use std::sync::Mutex;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use entity::audit_events;

use crate::auth::Viewer;
use crate::error::AppResult;

/// One audit event.
pub struct Audit<'a> {
    pub operation: &'a str,
    pub entity: &'a str,
    pub ids: Vec<i64>,
    /// Which restricted fields were read or written (names only, never values).
    pub restricted_fields: Vec<&'a str>,
}

/// Appends an audit event (inside the caller's transaction for writes).
pub async fn audit<C: ConnectionTrait>(
    conn: &C,
    viewer: Option<&Viewer>,
    request_id: &str,
    event: Audit<'_>,
) -> AppResult<()> {
    let join = |v: Vec<String>| v.join(",");
    audit_events::Entity::insert(audit_events::ActiveModel {
        occurred_at: Set(chrono::Utc::now()),
        subject: Set(viewer
            .map(|v| v.sub.clone())
            .unwrap_or_else(|| "anonymous".into())),
        role: Set(viewer
            .map(|v| v.role.as_str().to_string())
            .unwrap_or_else(|| "anonymous".into())),
        agency_code: Set(viewer.and_then(|v| v.agency_code.clone())),
        operation: Set(event.operation.to_string()),
        entity: Set(event.entity.to_string()),
        entity_ids: Set(join(event.ids.iter().map(|i| i.to_string()).collect())),
        restricted_fields: Set(join(
            event
                .restricted_fields
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )),
        request_id: Set(Some(request_id.to_string())),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Restricted reads noted while a request resolves, written as audit events when it ends
/// (one event per entity kind, so the cost is constant per request).
#[derive(Default)]
pub struct ReadTrail {
    reads: Mutex<BTreeMap<&'static str, (Vec<i64>, Vec<&'static str>)>>,
}

impl ReadTrail {
    pub fn note(&self, entity: &'static str, id: i64, field: &'static str) {
        if let Ok(mut reads) = self.reads.lock() {
            let (ids, fields) = reads.entry(entity).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }

    /// Notes a search or filter on a restricted field (by a subject's name, an ID number):
    /// the search itself is audited, whatever it matched — even nothing.
    pub fn note_search(&self, entity: &'static str, field: &'static str) {
        if let Ok(mut reads) = self.reads.lock() {
            let (_, fields) = reads.entry(entity).or_default();
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }

    pub fn take(&self) -> BTreeMap<&'static str, (Vec<i64>, Vec<&'static str>)> {
        self.reads
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }
}

/// Writes the reads noted during a request.
pub async fn flush_reads<C: ConnectionTrait>(
    conn: &C,
    viewer: Option<&Viewer>,
    request_id: &str,
    reads: &ReadTrail,
) -> AppResult<()> {
    for (entity, (ids, fields)) in reads.take() {
        audit(
            conn,
            viewer,
            request_id,
            Audit {
                operation: "read",
                entity,
                ids,
                restricted_fields: fields,
            },
        )
        .await?;
    }
    Ok(())
}
