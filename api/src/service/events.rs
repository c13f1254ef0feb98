//! Typed domain events, published after a write commits (never before: a subscriber must not
//! hear of a change that was rolled back). Nothing consumes them yet; live updates and
//! watch-lists will subscribe here. In-process broadcast; across instances PostgreSQL
//! `LISTEN/NOTIFY` will carry them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::broadcast;

/// Something that changed, by kind; ids only (a subscriber reads the record through the
/// access matrix like any reader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    /// A case's core facts changed (status, archive, campaigns…); a subscriber reads the case
    /// through its own scope.
    CaseChanged { case_id: i64 },
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
    /// or restored.
    PublicationChanged { publication_id: i64 },
    /// An agency filed or corrected its periodic report.
    ReportChanged { report_id: i64 },
}

/// Where events are published.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<DomainEvent>,
    reference: Arc<AtomicU64>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            // Subscribers that fall this far behind miss events (and are told so by broadcast).
            sender: broadcast::channel(1024).0,
            reference: Arc::default(),
        }
    }
}

impl Events {
    pub fn publish(&self, event: DomainEvent) {
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
    publications => "publication", PublicationChanged { publication_id },
    periodic_reports => "periodic_report", ReportChanged { report_id },
);
