//! The audit trail: one append-only event per write (in the write's transaction) and per
//! request that read restricted data. Names of fields only, never values.

use std::collections::BTreeMap;
use std::sync::Mutex;

use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, QueryTrait};
use tokio::sync::{mpsc, oneshot};

use entity::audit_events;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};

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
    audit_events::Entity::insert(row(viewer, request_id, event))
        .exec(conn)
        .await?;
    Ok(())
}

/// The stored form of an audit event.
fn row(viewer: Option<&Viewer>, request_id: &str, event: Audit<'_>) -> audit_events::ActiveModel {
    let join = |v: Vec<String>| v.join(",");
    let who = |f: fn(&Viewer) -> String| viewer.map(f).unwrap_or_else(|| "anonymous".into());
    audit_events::ActiveModel {
        occurred_at: Set(chrono::Utc::now()),
        subject: Set(who(|v| v.sub.clone())),
        role: Set(who(|v| v.role.as_str().to_string())),
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
    }
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

/// Writes the reads noted during a request, through the process's group commit: the request
/// waits until its events are durable (restricted data leaves only with its audit written),
/// but requests finishing together share one insert and one commit.
pub async fn flush_reads(
    writer: &ReadAuditWriter,
    viewer: Option<&Viewer>,
    request_id: &str,
    reads: &ReadTrail,
) -> AppResult<()> {
    let rows: Vec<_> = reads
        .take()
        .into_iter()
        .map(|(entity, (ids, fields))| {
            let event = Audit {
                operation: "read",
                entity,
                ids,
                restricted_fields: fields,
            };
            row(viewer, request_id, event)
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    writer.write(rows).await
}

/// How a batch's failure reaches each request of it (`AppError` is not `Clone`).
type Outcome = Result<(), (bool, String)>;

/// Group commit of read-audit events. One task per process takes every batch of events
/// waiting in the queue, writes it as one multi-row insert (its own transaction), and answers
/// each request of the batch with the outcome. Under load the audit then costs one round trip
/// and one commit per batch instead of per request; alone, a request waits for its own insert
/// as before. A failure fails every request of its batch (nothing restricted leaves).
#[derive(Clone)]
pub struct ReadAuditWriter {
    queue: mpsc::Sender<(Vec<audit_events::ActiveModel>, oneshot::Sender<Outcome>)>,
}

/// The most events one insert carries (well under both databases' bound-parameter limits).
const BATCH_ROWS: usize = 256;

impl ReadAuditWriter {
    /// Starts the writer's task on the current runtime; it ends when the last handle is dropped.
    /// On PostgreSQL it writes through a connection of its own whose commits do not wait for
    /// the WAL flush ([`crate::db::unflushed`]): an insert with a synchronous commit took
    /// 3.2 ms here against 0.4 ms for the case list's three reads. The events are in the
    /// database — visible, and ordered before anything committed later — when the requests
    /// are answered; a crash of PostgreSQL itself within `wal_writer_delay` (200 ms by
    /// default) can lose the last read events. Writes keep the synchronous commit.
    pub fn start(main: &DatabaseConnection) -> Self {
        let main = main.clone();
        let mut db = crate::db::unflushed(&main);
        let (queue, mut rx) = mpsc::channel::<(Vec<_>, oneshot::Sender<Outcome>)>(1024);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                let mut n = batch[0].0.len();
                while n < BATCH_ROWS {
                    let Ok(next) = rx.try_recv() else { break };
                    n += next.0.len();
                    batch.push(next);
                }
                let rows = batch.iter_mut().flat_map(|(rows, _)| std::mem::take(rows));
                // Without `RETURNING`: nobody reads the new ids.
                let insert = audit_events::Entity::insert_many(rows).build(db.backend());
                let outcome: Outcome = match db.execute(insert).await {
                    Ok(_) => {
                        crate::telemetry::metrics::audit_events_written(
                            crate::telemetry::metrics::AuditKind::Read,
                            n as u64,
                        );
                        Ok(())
                    }
                    Err(e) => match AppError::from(e) {
                        AppError::Unavailable(m) => Err((true, m)),
                        // The full error, for the log the caller writes (`into_anyhow` keeps
                        // an internal error's detail; the client still sees it opaque).
                        other => Err((false, format!("{:#}", other.into_anyhow()))),
                    },
                };
                if outcome.is_err() {
                    // The connection that failed may be dead: the next batch opens a new one.
                    db = crate::db::unflushed(&main);
                }
                for (_, done) in batch {
                    // A request that gave up (timed out, disconnected) no longer listens.
                    let _ = done.send(outcome.clone());
                }
            }
        });
        Self { queue }
    }

    async fn write(&self, rows: Vec<audit_events::ActiveModel>) -> AppResult<()> {
        let (done, answer) = oneshot::channel();
        let stopped = || AppError::Unavailable("the audit writer has stopped".into());
        self.queue.send((rows, done)).await.map_err(|_| stopped())?;
        match answer.await.map_err(|_| stopped())? {
            Ok(()) => Ok(()),
            Err((true, m)) => Err(AppError::Unavailable(m)),
            Err((false, m)) => Err(AppError::internal(anyhow::anyhow!(m))),
        }
    }
}
