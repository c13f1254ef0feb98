//! Typed domain events, published after a write commits (never before: a subscriber must not
//! hear of a change that was rolled back). GraphQL subscriptions and the reference cache
//! listen here.
//!
//! **Across instances.** On PostgreSQL every event is also sent with `NOTIFY` on
//! [`CHANNEL`], and every instance `LISTEN`s there and re-publishes what the *other* instances
//! sent (each event carries its instance's origin), so a subscriber hears of a write made
//! through any instance of the fleet, exactly once: its own instance's events in-process, the
//! others' through PostgreSQL. No broker of our own: PostgreSQL already is the one thing every
//! instance shares. On SQLite (one process) the in-process broadcast is all there is.
//!
//! Events are notifications, not a queue: one sent while the listening connection is being
//! re-established, or to a subscriber that fell [`BACKLOG`] events behind, is missed (the
//! subscriber is told, see `graphql::subscriptions`), never replayed. What changed can always
//! be read back with a query.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::{DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

/// The PostgreSQL notification channel events travel on between instances.
pub const CHANNEL: &str = "hub389_events";

/// How many events a subscriber may fall behind before it misses some.
pub const BACKLOG: usize = 1024;

/// Something that changed, by kind; ids only (a subscriber reads the record through the
/// access matrix like any reader).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum DomainEvent {
    /// A case's core facts changed (status, archive, campaigns, a seizure…); a subscriber reads
    /// the case through its own scope.
    CaseChanged { case_id: i64 },
    /// A record of a case in a restricted compartment was written (a subject, an investigation
    /// record: police; a customs record: customs). Only a viewer who reads that compartment on
    /// the case may hear of it: to anyone else even the moment would be a datum.
    CaseRecordChanged {
        case_id: i64,
        compartment: crate::domain::access::Compartment,
    },
    /// An agency was created or changed.
    AgencyChanged { agency_id: i64 },
    /// A commune was created or changed (its committee included).
    CommuneChanged { commune_id: i64 },
    /// A directive was registered, changed, archived or restored.
    DirectiveChanged { directive_id: i64 },
    /// A task was assigned, changed, reported on, completed, archived or restored.
    TaskChanged { task_id: i64 },
    /// A campaign was created, changed, archived or restored.
    CampaignChanged { campaign_id: i64 },
    /// A tip was received (from a citizen or entered by staff).
    TipReceived { tip_id: i64 },
    /// A tip moved on: forwarded (to `assigned_agency_id`), verified, linked, dismissed,
    /// archived or restored.
    TipChanged { tip_id: i64 },
    /// A publication was drafted, revised, reviewed, approved, rejected, withdrawn, archived
    /// or restored; `status` is its status after that write (the press hears of approvals and
    /// withdrawals, and an event read late must not be taken for a later one).
    PublicationChanged { publication_id: i64, status: String },
    /// An agency filed or corrected its periodic report.
    ReportChanged { report_id: i64 },
    /// An agency started or stopped watching a value.
    WatchChanged { watch_id: i64 },
    /// A task falls due in `days_left` days (0: today), or is overdue (`days_left` < 0):
    /// announced once by the fleet's deadline scheduler (`service::deadlines`).
    TaskDue { task_id: i64, days_left: i64 },
}

/// An event as it travels between instances.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: DomainEvent,
}

/// Where events are published.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<DomainEvent>,
    reference: Arc<AtomicU64>,
    /// This instance, as its notifications name it (so it ignores its own).
    origin: Arc<str>,
    /// On PostgreSQL: the queue of the task that notifies the other instances, in order.
    fleet: Option<mpsc::UnboundedSender<DomainEvent>>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            // Subscribers that fall this far behind miss events (and are told so by broadcast).
            sender: broadcast::channel(BACKLOG).0,
            reference: Arc::default(),
            origin: uuid::Uuid::new_v4().to_string().into(),
            fleet: None,
        }
    }
}

impl Events {
    /// Events shared with the fleet: on PostgreSQL, starts the task that notifies the other
    /// instances and the one that listens to them (each on a connection of its own, outside
    /// the request pool); elsewhere in-process only.
    pub fn connect(db: &DatabaseConnection) -> Events {
        let mut events = Events::default();
        if db.get_database_backend() != DbBackend::Postgres {
            return events;
        }
        let pool = crate::db::side_pool(db, 2);
        let (tx, rx) = mpsc::unbounded_channel();
        events.fleet = Some(tx);
        tokio::spawn(notify_fleet(pool.clone(), events.origin.clone(), rx));
        tokio::spawn(listen_to_fleet(pool, events.clone()));
        events
    }

    pub fn publish(&self, event: DomainEvent) {
        if let Some(fleet) = &self.fleet {
            // The task ends only with the runtime; a send after that has no one to tell.
            let _ = fleet.send(event.clone());
        }
        self.deliver(event);
    }

    /// Tells this instance's subscribers.
    fn deliver(&self, event: DomainEvent) {
        if matches!(
            event,
            DomainEvent::AgencyChanged { .. } | DomainEvent::CommuneChanged { .. }
        ) {
            // Before anyone hears of it, and synchronously: the write's response leaves after
            // this, so the writer's next request already finds kept reference rows stale.
            self.reference.fetch_add(1, Ordering::SeqCst);
        }
        // No subscriber is not an error: events are a notification, not a queue.
        let _ = self.sender.send(event);
    }

    /// How many agency or commune writes were published: what a cache of reference rows
    /// compares to know whether its rows are still current (see `service::viewer::Directory`).
    pub fn reference_generation(&self) -> Arc<AtomicU64> {
        self.reference.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.sender.subscribe()
    }
}

/// Sends this instance's events to the others, one `NOTIFY` each, in publishing order. A
/// failed notification is logged and dropped (the write it announces is committed already).
async fn notify_fleet(
    pool: sqlx::PgPool,
    origin: Arc<str>,
    mut queue: mpsc::UnboundedReceiver<DomainEvent>,
) {
    while let Some(event) = queue.recv().await {
        let envelope = Envelope {
            origin: origin.to_string(),
            event,
        };
        let payload = match serde_json::to_string(&envelope) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "serialising a domain event");
                continue;
            }
        };
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&payload)
            .execute(&pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, event = ?envelope.event, "the other instances were not told of an event");
        }
    }
}

/// Re-publishes the other instances' events here. The listening connection is re-established
/// when it drops; events sent meanwhile are missed, so kept reference rows are then treated as
/// stale.
async fn listen_to_fleet(pool: sqlx::PgPool, events: Events) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for the other instances' events; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for the other instances' events; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Envelope>(n.payload()) {
                    Ok(e) if *e.origin == *events.origin => {}
                    Ok(e) => events.deliver(e.event),
                    Err(e) => tracing::warn!(error = %e, "an event this instance cannot read"),
                },
                Ok(None) => {
                    tracing::warn!(
                        "the events connection dropped; events sent meanwhile are missed"
                    );
                    events.reference.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "listening for the other instances' events");
                    events.reference.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

impl Announced for entity::publications::Model {
    const ENTITY: &'static str = "publication";
    fn row_id(&self) -> i64 {
        self.id
    }
    fn event(&self) -> DomainEvent {
        DomainEvent::PublicationChanged {
            publication_id: self.id,
            status: self.status.clone(),
        }
    }
}

/// A row whose write is announced: the entity name its audit events and idempotency keys
/// carry, and the event that says it changed. One table for every kind of row a write
/// answers with, so a write ends with `Done::of(row)`.
pub trait Announced {
    const ENTITY: &'static str;
    fn row_id(&self) -> i64;
    fn event(&self) -> DomainEvent;
}

macro_rules! announced {
    ($($module:ident => $entity:literal, $variant:ident { $field:ident }),+ $(,)?) => {$(
        impl Announced for entity::$module::Model {
            const ENTITY: &'static str = $entity;
            fn row_id(&self) -> i64 {
                self.id
            }
            fn event(&self) -> DomainEvent {
                DomainEvent::$variant { $field: self.id }
            }
        }
    )+};
}

announced!(
    cases => "case", CaseChanged { case_id },
    agencies => "agency", AgencyChanged { agency_id },
    communes => "commune", CommuneChanged { commune_id },
    directives => "directive", DirectiveChanged { directive_id },
    tasks => "task", TaskChanged { task_id },
    campaigns => "campaign", CampaignChanged { campaign_id },
    tips => "tip", TipChanged { tip_id },
    periodic_reports => "periodic_report", ReportChanged { report_id },
    watches => "watch", WatchChanged { watch_id },
);
