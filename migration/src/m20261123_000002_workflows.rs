//! Workflows: versions and archiving on every mutable record, idempotency keys, computed
//! figures on periodic reports, and an append-only audit log (enforced by the database).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::n;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables gaining `version` (optimistic concurrency) and/or `archived_at` (no hard deletes).
const VERSIONED: &[&str] = &[
    "agencies",
    "communes",
    "directives",
    "campaigns",
    "subjects",
    "seizures",
    "customs_records",
    "investigation_records",
];
const ARCHIVABLE: &[&str] = &[
    "directives",
    "campaigns",
    "tasks",
    "subjects",
    "seizures",
    "customs_records",
    "investigation_records",
    "tips",
    "publications",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one ALTER per statement.
        for t in VERSIONED {
            crate::add_column(manager, t, integer(n("version")).default(1)).await?;
        }
        for t in ARCHIVABLE {
            crate::add_column(manager, t, timestamp_with_time_zone_null(n("archived_at"))).await?;
        }
        crate::add_column(
            manager,
            "periodic_reports",
            json_binary_null(n("computed_figures")),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(n("idempotency_keys"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("subject")))
                    .col(string(n("key")))
                    .col(string(n("operation")))
                    .col(string(n("entity")))
                    .col(big_integer(n("entity_id")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "idempotency_keys", &["subject", "key"], true).await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
                )
                .await?;
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
                )
                .await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS audit_events_no_update")
                    .await?;
                db.execute_unprepared("DROP TRIGGER IF EXISTS audit_events_no_delete")
                    .await?;
            }
        }
        crate::drop_tables(manager, &["idempotency_keys"]).await?;
        crate::drop_column(manager, "periodic_reports", "computed_figures").await?;
        for t in ARCHIVABLE {
            crate::drop_column(manager, t, "archived_at").await?;
        }
        for t in VERSIONED {
            crate::drop_column(manager, t, "version").await?;
        }
        Ok(())
    }
}
