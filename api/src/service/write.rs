//! Writes as services: [`write`] owns the transaction, the idempotency replay, the audit event,
//! the commit and the domain event after it; a write is a plain function of the transaction.
//!
//! Idempotency is two steps (as in *zero-to-production*): [`try_processing`] says whether to
//! go on or to replay what an earlier call with the same key created ([`NextAction`]), and the
//! key is saved with that creation in the same transaction, so a retried request either sees
//! the first one committed or redoes it whole.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter,
};

use entity::idempotency_keys;

use super::audit::{Audit, audit};
use super::events::{Announced, DomainEvent, Events};
use crate::auth::Viewer;
use crate::domain::access::{Action, check};
use crate::error::{AppError, AppResult};

/// Who writes, within which request. `viewer` is `None` only for what anyone may do without
/// a token (a citizen's tip).
pub struct Writer<'a> {
    pub db: &'a DatabaseConnection,
    pub viewer: Option<&'a Viewer>,
    pub request_id: &'a str,
    pub events: &'a Events,
}

/// An idempotency key with the fingerprint of the request it came with (computed by the
/// caller's layer from its own arguments: GraphQL variables, CLI flags…).
pub struct Keyed {
    pub key: String,
    pub fingerprint: String,
}

impl<'a> Writer<'a> {
    /// The signed-in viewer, or `UNAUTHENTICATED`.
    pub fn signed_in(&self) -> AppResult<&'a Viewer> {
        self.viewer
            .ok_or_else(|| AppError::Unauthenticated("sign in: this requires a token".into()))
    }
}

/// What to do with a keyed write.
#[derive(Debug, PartialEq, Eq)]
pub enum NextAction {
    StartProcessing,
    /// An earlier call created this entity: answer with it.
    Replay(i64),
}

/// What a write did: its result, the entity it touched (for the audit trail and the key), the
/// restricted fields it wrote, and the event to publish once committed.
pub struct Done<T> {
    pub value: T,
    pub entity: &'static str,
    pub id: i64,
    pub restricted_fields: Vec<&'static str>,
    pub event: Option<DomainEvent>,
}

impl<T: super::events::Announced> Done<T> {
    /// The write of `row`, touching no restricted field, announced by the row's own event.
    pub fn of(row: T) -> Done<T> {
        Done {
            entity: T::ENTITY,
            id: row.row_id(),
            restricted_fields: vec![],
            event: Some(row.event()),
            value: row,
        }
    }
}

/// Validates an idempotency key: 8 to 100 printable ASCII characters (a UUID fits).
pub fn check_idempotency_key(key: &str) -> AppResult<()> {
    if (8..=100).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "`idempotencyKey` must be 8 to 100 printable ASCII characters",
        ))
    }
}

/// The first step of a keyed write: go on, or replay. The same key for another operation, or
/// with another request, is `CONFLICT` (the second submission would otherwise be lost). On
/// PostgreSQL concurrent calls with one key wait on a transaction-scoped advisory lock for the
/// first to commit; on SQLite writers are already serialised by `BEGIN IMMEDIATE`.
pub async fn try_processing<C: ConnectionTrait>(
    conn: &C,
    subject: &str,
    keyed: &Keyed,
    operation: &str,
) -> AppResult<NextAction> {
    check_idempotency_key(&keyed.key)?;
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 389))",
            // Length-prefixed, so no (subject, key) pair can spell another's.
            [format!("{}:{subject}/{}", subject.len(), keyed.key).into()],
        ))
        .await?;
    }
    let found = idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::Subject.eq(subject))
        .filter(idempotency_keys::Column::Key.eq(keyed.key.as_str()))
        .one(conn)
        .await?;
    match found {
        None => Ok(NextAction::StartProcessing),
        Some(k) if k.operation != operation => Err(AppError::Conflict(
            "this idempotency key was already used for another operation".into(),
        )),
        Some(k) if k.request_fingerprint.as_ref().is_some_and(|f| *f != keyed.fingerprint) => {
            Err(AppError::Conflict(
                "this idempotency key was already used with a different input; use a new key for a new request"
                    .into(),
            ))
        }
        Some(k) => Ok(NextAction::Replay(k.entity_id)),
    }
}

/// The second step: remembers what the keyed write created, in its transaction.
pub async fn save_response<C: ConnectionTrait>(
    conn: &C,
    subject: &str,
    keyed: &Keyed,
    operation: &str,
    entity: &str,
    entity_id: i64,
) -> AppResult<()> {
    idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
        subject: Set(subject.to_string()),
        key: Set(keyed.key.clone()),
        operation: Set(operation.to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id),
        created_at: Set(chrono::Utc::now()),
        request_fingerprint: Set(Some(keyed.fingerprint.clone())),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Who owns an idempotency key: the token's subject, role, agency and commune. The role is
/// written as the token names it and the ids as numbers, so read from the right no two owners
/// spell the same text.
fn key_owner(v: &Viewer) -> String {
    format!(
        "{}|{}|{}|{}",
        v.sub,
        v.role.as_str(),
        v.agency_id.unwrap_or(0),
        v.commune_id.unwrap_or(0)
    )
}

/// Runs a write: begins the transaction (`BEGIN IMMEDIATE` on SQLite), replays a keyed
/// creation already made, else runs `body`, saves the key, appends the audit event, commits,
/// and only then publishes the domain event. Any error rolls everything back (the transaction
/// is dropped uncommitted) and publishes nothing.
pub async fn write<T>(
    w: &Writer<'_>,
    operation: &'static str,
    keyed: Option<Keyed>,
    replay: impl AsyncFnOnce(&DatabaseTransaction, i64) -> AppResult<T>,
    body: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<Done<T>>,
) -> AppResult<T> {
    // Keys are kept per signed-in user acting as one role for one agency (and commune): a key
    // without a token has no owner. The same user under another agency (an identity provider's
    // claim changed, a seconded officer) replayed the first agency's record, one it may not
    // read, and had its own write acknowledged without it happening (stop 33's review).
    let subject = match (&keyed, w.viewer) {
        (Some(_), None) => {
            return Err(AppError::bad_input(
                "`idempotencyKey` needs a token; anonymous requests take none",
            ));
        }
        (_, v) => v.map(key_owner).unwrap_or_default(),
    };
    let txn = crate::db::begin_write(w.db).await?;
    if let Some(k) = &keyed
        && let NextAction::Replay(id) = try_processing(&txn, &subject, k, operation).await?
    {
        let value = replay(&txn, id).await?;
        txn.commit().await?;
        return Ok(value);
    }
    let done = body(&txn).await?;
    if let Some(k) = &keyed {
        save_response(&txn, &subject, k, operation, done.entity, done.id).await?;
    }
    audit(
        &txn,
        w.viewer,
        w.request_id,
        Audit {
            operation,
            entity: done.entity,
            ids: vec![done.id],
            restricted_fields: done.restricted_fields,
        },
    )
    .await?;
    txn.commit().await?;
    crate::telemetry::metrics::audit_events_written(crate::telemetry::metrics::AuditKind::Write, 1);
    if let Some(e) = done.event {
        w.events.publish(e);
    }
    Ok(done.value)
}

/// A write that creates nothing a key could replay (an update, a status change): [`write`]
/// without idempotency.
pub async fn write_once<T>(
    w: &Writer<'_>,
    operation: &'static str,
    body: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<Done<T>>,
) -> AppResult<T> {
    write(
        w,
        operation,
        None,
        async |_, _| {
            Err(AppError::internal(anyhow::anyhow!(
                "{operation}: no key, nothing to replay"
            )))
        },
        body,
    )
    .await
}

/// A creation by whoever may do `action`: [`write`] with its idempotency key, `body`
/// answering with the new row (announced by its own event); a replay answers with the row
/// `load` reads back.
pub async fn create<T: Announced>(
    w: &Writer<'_>,
    action: Action,
    operation: &'static str,
    keyed: Option<Keyed>,
    load: impl AsyncFnOnce(&DatabaseTransaction, i64) -> AppResult<T>,
    body: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    check(w.signed_in()?, action)?;
    write(w, operation, keyed, load, async |txn| {
        Ok(Done::of(body(txn).await?))
    })
    .await
}

/// A change by whoever may do `action`: one [`write_once`] whose `body` answers with the row
/// as it now stands (announced by its own event).
pub async fn change<T: Announced>(
    w: &Writer<'_>,
    action: Action,
    operation: &'static str,
    body: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    check(w.signed_in()?, action)?;
    write_once(w, operation, async |txn| Ok(Done::of(body(txn).await?))).await
}

/// Archiving an archived record, or restoring one that is not archived, is refused: it would
/// change nothing but the version (a spurious `CONFLICT` for everyone holding the record), the
/// audit log and the time it was archived (a review of stop 33 archived one twice). One rule
/// for every archivable record; `what` names it in the message.
pub fn check_archive_move(
    what: &str,
    archived_at: Option<chrono::DateTime<chrono::Utc>>,
    archived: bool,
) -> AppResult<()> {
    match (archived_at.is_some(), archived) {
        (true, true) => Err(AppError::bad_input(format!(
            "the {what} is archived already"
        ))),
        (false, false) => Err(AppError::bad_input(format!("the {what} is not archived"))),
        _ => Ok(()),
    }
}

/// An archived record takes no change until it is restored; `what` names it in the message
/// ("the case is archived; restore it first"). One rule for every archivable record.
pub fn check_not_archived(
    what: &str,
    archived_at: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<()> {
    if archived_at.is_some() {
        Err(AppError::bad_input(format!(
            "the {what} is archived; restore it first"
        )))
    } else {
        Ok(())
    }
}

/// Updates one row only if its version is still `expected`, bumping the version; otherwise
/// `CONFLICT` and nothing changes. The check and the write are one statement, so two editors
/// racing on one record cannot both win. `id` and `version` are the table's columns of those
/// names; neither the table (an internal name: a review of stop 34 read "this cases row") nor
/// the row's number is named in the conflict (ids are opaque: a conflict must not turn one
/// into its number).
pub async fn update_at_version<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    active: E::ActiveModel,
    [id, version]: [E::Column; 2],
    row: i64,
    expected: i32,
) -> AppResult<()> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let result = E::update_many()
        .set(active)
        .col_expr(version, Expr::col(version).add(1))
        .filter(id.eq(row))
        .filter(version.eq(expected))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "this record was changed by someone else (expected version {expected}); reload and retry"
        )));
    }
    Ok(())
}

/// The changes a patch asks of a record, each field `None` to keep it. A patch must change
/// something: an empty one would bump the version and write an audit event of a change that did
/// not happen (stop 31's contract review; stop 32's for every patch but the case's).
pub trait Changes {
    fn is_empty(&self) -> bool;

    /// `BAD_USER_INPUT` for an empty patch, said before anything is read.
    fn check_not_empty(&self) -> AppResult<()> {
        if self.is_empty() {
            return Err(AppError::bad_input(
                "the patch changes nothing: name at least one field",
            ));
        }
        Ok(())
    }
}

/// Declares a patch: a struct of `Option` fields (with `Default`, every field `None`) and its
/// [`Changes`]. The fields are written once, here, and `is_empty` destructures them all: a
/// field added later is covered without anything else to remember.
#[macro_export]
macro_rules! changes {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $field_ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Default)]
        pub struct $ty {
            $($(#[$field_meta])* pub $field: $field_ty),*
        }

        impl $crate::service::write::Changes for $ty {
            fn is_empty(&self) -> bool {
                let $ty { $($field),* } = self;
                true $(&& $field.is_none())*
            }
        }
    };
}

/// [`update_at_version`] of a row of `entity::$module`, by its `Id` and `Version` columns.
#[macro_export]
macro_rules! versioned_update {
    ($conn:expr, $module:ident, $active:expr, $id:expr, $expected:expr) => {
        $crate::service::write::update_at_version::<entity::$module::Entity, _>(
            $conn,
            $active,
            [
                entity::$module::Column::Id,
                entity::$module::Column::Version,
            ],
            $id,
            $expected,
        )
        .await
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use migration::MigratorTrait;
    use sea_orm::{ActiveModelTrait, PaginatorTrait};

    async fn database() -> DatabaseConnection {
        let path = std::env::temp_dir().join(format!("hub389-write-{}.db", uuid::Uuid::new_v4()));
        let db = crate::db::connect(&crate::db::DbSettings::new(format!(
            "sqlite://{}?mode=rwc",
            path.display()
        )))
        .await
        .unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        db
    }

    fn admin() -> Viewer {
        Viewer {
            sub: "admin-1".into(),
            role: Role::Admin,
            agency_id: None,
            agency_code: None,
            commune_id: None,
            commune_code: None,
        }
    }

    async fn create(
        w: &Writer<'_>,
        code: &str,
        keyed: Option<Keyed>,
        fail: bool,
    ) -> AppResult<i64> {
        let code = code.to_string();
        write(
            w,
            "createCommune",
            keyed,
            async |_, id| Ok(id),
            async |txn| {
                let c = entity::communes::ActiveModel {
                    code: Set(code),
                    name: Set("Đồng Đăng".into()),
                    kind: Set("commune".into()),
                    is_border: Set(true),
                    committee_established_on: Set(None),
                    version: Set(1),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                if fail {
                    return Err(AppError::bad_input("refused after the insert"));
                }
                Ok(Done {
                    value: c.id,
                    entity: "commune",
                    id: c.id,
                    restricted_fields: vec![],
                    event: Some(DomainEvent::CommuneChanged { commune_id: c.id }),
                })
            },
        )
        .await
    }

    #[tokio::test]
    async fn commits_audits_then_publishes_and_replays_keyed_writes() {
        let db = database().await;
        let events = Events::default();
        let mut rx = events.subscribe();
        let viewer = admin();
        let w = Writer {
            db: &db,
            viewer: Some(&viewer),
            request_id: "r1",
            events: &events,
        };
        let keyed = || Keyed {
            key: "create-dong-dang-1".into(),
            fingerprint: "f1".into(),
        };
        let id = create(&w, "DONG_DANG", Some(keyed()), false).await.unwrap();
        assert_eq!(
            rx.try_recv().unwrap(),
            DomainEvent::CommuneChanged { commune_id: id }
        );
        let audits = entity::audit_events::Entity::find()
            .count(&db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
        // The same key and request: the first result, nothing written or published again.
        assert_eq!(
            create(&w, "DONG_DANG", Some(keyed()), false).await.unwrap(),
            id
        );
        assert!(rx.try_recv().is_err());
        assert_eq!(
            entity::communes::Entity::find().count(&db).await.unwrap(),
            1
        );
        // The same key with another request: CONFLICT.
        let other = Keyed {
            fingerprint: "f2".into(),
            ..keyed()
        };
        assert!(matches!(
            create(&w, "TAN_THANH", Some(other), false).await,
            Err(AppError::Conflict(_))
        ));
        // A write that fails leaves nothing: no row, no audit, no event.
        assert!(create(&w, "CAO_LOC", None, true).await.is_err());
        assert_eq!(
            entity::communes::Entity::find().count(&db).await.unwrap(),
            1
        );
        assert_eq!(
            entity::audit_events::Entity::find()
                .count(&db)
                .await
                .unwrap(),
            1
        );
        assert!(rx.try_recv().is_err());
    }
}
