//! Hostile clients (issue 12): a publication whose case holds restricted data its drafter may
//! not read waits for a review by the agency that may (`review_agency_id`, cleared by
//! `reviewed_at`); trusted documents (persisted operations) registered by an administrator.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::n;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Two statements: SQLite alters one column at a time.
        crate::add_column(
            manager,
            "publications",
            big_integer_null(n("review_agency_id")),
        )
        .await?;
        crate::add_column(
            manager,
            "publications",
            timestamp_with_time_zone_null(n("reviewed_at")),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(n("trusted_documents"))
                    // Lower-case hex SHA-256 of the document text, as Apollo's persisted
                    // queries and GraphQL trusted documents name them.
                    .col(string(n("sha256")).primary_key())
                    .col(text(n("document")))
                    // Where it came from (a file name, a client name), for the operator.
                    .col(string(n("label")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_tables(manager, &["trusted_documents"]).await?;
        for col in ["reviewed_at", "review_agency_id"] {
            crate::drop_column(manager, "publications", col).await?;
        }
        Ok(())
    }
}
