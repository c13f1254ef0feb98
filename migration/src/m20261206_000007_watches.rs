//! Live coordination (issue 13): watch-lists — the values an agency watches (one index serves
//! both reads: an agency's list, and the match of a written case against its entries) — and
//! the record of the task deadlines announced, so each is announced once by the fleet — and
//! the plate of a seized vehicle, which an agency may watch.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{n, references};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(n("watches"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("agency_id")))
                    .col(string(n("kind")))
                    .col(string(n("value")))
                    .col(string(n("created_by")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .col(timestamp_with_time_zone_null(n("archived_at")))
                    .foreign_key(&mut references("watches", "agency_id", "agencies"))
                    .to_owned(),
            )
            .await?;
        // One current entry per agency and value, even when two users add it at once (a
        // partial index: archived entries stay as history). The same SQL on both databases.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_watches_agency_kind_value \
                 ON watches (agency_id, kind, value) WHERE archived_at IS NULL",
            )
            .await?;
        // A seized vehicle's plate (core data: an operational fact of the seizure).
        crate::add_column(manager, "seizures", string_null(n("vehicle_plate"))).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("task_deadline_notices"))
                    .col(big_integer(n("task_id")))
                    .col(string(n("kind")))
                    .col(date(n("day")))
                    .col(date(n("due_on")))
                    .primary_key(
                        Index::create()
                            .col(n("task_id"))
                            .col(n("kind"))
                            .col(n("day")),
                    )
                    .foreign_key(&mut references("task_deadline_notices", "task_id", "tasks"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_tables(manager, &["task_deadline_notices", "watches"]).await?;
        crate::drop_column(manager, "seizures", "vehicle_plate").await?;
        Ok(())
    }
}
