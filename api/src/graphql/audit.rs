//! The audit log, read by the administrator only (DOMAIN.md: "audit log ✓" for admin, "—" for
//! every other role). Events are appended by [`crate::service::audit::audit`] in the transaction of
//! each write and by the read trail at the end of each request; nothing updates or deletes them
//! (the database refuses to, see migration 2).

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::{ColumnTrait, Condition};

use entity::audit_events;

use crate::domain::access::{Action, check};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{Timestamp, db, viewer};
use crate::graphql::pagination::{
    add_range, decode_cursor, encode_cursor, newest_id_first, page_size,
};

#[derive(Default)]
pub struct AuditQuery;

/// Filters on audit events; all given ones must match.
#[derive(InputObject, Default)]
#[graphql(visible = "crate::graphql::guards::admin_visible")]
pub struct AuditFilter {
    /// The token subject (user id), exactly.
    pub subject: Option<String>,
    /// The role as stored: `police`, `standing_office`… or `anonymous` (tips).
    pub role: Option<String>,
    /// The viewer's agency code.
    pub agency: Option<String>,
    /// The entity kind: `case`, `subject`, `tip`, `directive`, `task`…
    pub entity: Option<String>,
    /// The operation: `read`, `createCase`, `registerDirective`…
    pub operation: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<Timestamp>,
    /// Up to this instant (exclusive).
    pub to: Option<Timestamp>,
}

const CURSOR_KEY: &str = "audit";

fn condition(filter: AuditFilter) -> AppResult<Condition> {
    let mut cond = Condition::all();
    let text = |field: &str, v: &str| -> AppResult<String> {
        let v = v.trim();
        if v.is_empty() || v.chars().count() > 200 {
            Err(AppError::bad_input(format!(
                "`{field}` must be 1 to 200 characters"
            )))
        } else {
            Ok(v.to_string())
        }
    };
    if let Some(s) = &filter.subject {
        cond = cond.add(audit_events::Column::Subject.eq(text("subject", s)?));
    }
    if let Some(r) = &filter.role {
        cond = cond.add(audit_events::Column::Role.eq(text("role", r)?.to_lowercase()));
    }
    if let Some(a) = &filter.agency {
        cond = cond.add(audit_events::Column::AgencyCode.eq(text("agency", a)?));
    }
    if let Some(e) = &filter.entity {
        cond = cond.add(audit_events::Column::Entity.eq(text("entity", e)?));
    }
    if let Some(o) = &filter.operation {
        cond = cond.add(audit_events::Column::Operation.eq(text("operation", o)?));
    }
    let range = [filter.from.map(|t| t.0), filter.to.map(|t| t.0)];
    add_range(
        cond,
        audit_events::Column::OccurredAt,
        range,
        ["from", "to"],
        false,
    )
}

#[Object]
impl AuditQuery {
    /// Audit events, newest first (keyset pagination, `first` ≤ 100). Administrator only.
    #[graphql(
        visible = "crate::graphql::guards::admin_visible",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditFilter>,
    ) -> Result<AuditEventConnection> {
        check(viewer(ctx)?, Action::ReadAuditLog)?;
        let size = page_size(first)?;
        let cond = condition(filter.unwrap_or_default())?;
        let after_id = match after.as_deref().map(decode_cursor).transpose()? {
            Some((key, _)) if key != CURSOR_KEY => {
                return Err(AppError::bad_input("`after` is not a valid cursor").into());
            }
            cursor => cursor.map(|(_, id)| id),
        };
        let page = newest_id_first::<audit_events::Entity, _>(
            db(ctx)?,
            cond.clone(),
            audit_events::Column::Id,
            after_id,
            size,
        )
        .await?;
        Ok(AuditEventConnection::page(page, &after, cond))
    }
}

fn cursor_of(e: &audit_events::Model) -> String {
    encode_cursor(CURSOR_KEY, e.id)
}

crate::relay_connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    audit_events::Entity,
    cursor_of,
    visible = "crate::graphql::guards::admin_visible",
    total_count_doc = ["Matching events in all pages (one `COUNT`, run only when asked for)."]
);

/// Who did or read what, when. Restricted fields are named, never their values.
pub struct AuditEvent(pub audit_events::Model);

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty())
}

#[Object(visible = "crate::graphql::guards::admin_visible")]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn occurred_at(&self) -> Timestamp {
        self.0.occurred_at.into()
    }
    /// The token subject (user id), or `anonymous`.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The role as stored (`police`, `admin`…), or `anonymous`.
    async fn role(&self) -> &str {
        &self.0.role
    }
    async fn agency_code(&self) -> Option<&str> {
        self.0.agency_code.as_deref()
    }
    /// `read` for restricted reads, else the mutation (`createCase`, `registerDirective`…).
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The records concerned, with the same ids the API gives them (global ids for the
    /// main entities, so they can be looked up with `node(id:)`).
    async fn entity_ids(&self) -> Vec<ID> {
        let kind = crate::graphql::ids::NodeKind::of_entity(&self.0.entity);
        split(&self.0.entity_ids)
            .map(|s| match (kind, s.parse::<i64>()) {
                (Some(k), Ok(row)) => crate::graphql::ids::global_id(k, row),
                _ => ID(s.to_string()),
            })
            .collect()
    }
    /// Names of the restricted fields read or written.
    async fn restricted_fields(&self) -> Vec<String> {
        split(&self.0.restricted_fields)
            .map(str::to_string)
            .collect()
    }
    /// The request's id (also in the server log and the `x-request-id` response header).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}
