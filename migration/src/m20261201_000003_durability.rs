//! Durability (issue 8): the fingerprint of the informant data key, so an instance with
//! another key refuses to start; the request fingerprint of each idempotency key, so a key
//! reused with a different input is refused; and a scratch table for the readiness probe.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::n;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(n("server_keys"))
                    // `data`: the informant data key. One row per purpose.
                    .col(string(n("purpose")).primary_key())
                    .col(string(n("fingerprint")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(n("write_probe"))
                    // The server's start-up probe creates it first (before migrations run).
                    .if_not_exists()
                    .col(big_pk_auto(n("id")))
                    .col(text_null(n("payload")))
                    .to_owned(),
            )
            .await?;
        // Null for keys stored before this migration: they replay as before.
        crate::add_column(
            manager,
            "idempotency_keys",
            string_null(n("request_fingerprint")),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_column(manager, "idempotency_keys", "request_fingerprint").await?;
        crate::drop_tables(manager, &["write_probe", "server_keys"]).await?;
        Ok(())
    }
}
