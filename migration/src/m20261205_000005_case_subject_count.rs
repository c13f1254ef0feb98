//! Each case keeps the count of its subjects that are not archived (issue 11): the statistics
//! read it from the case row instead of grouping the whole subjects table per request. Kept in
//! the transaction of every subject write (`service::case_records`); `hub389 recount` rebuilds
//! it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::n;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::add_column(manager, "cases", integer(n("subject_count")).default(0)).await?;
        let db = manager.get_connection();
        // The backfill reads every case and subject (a minute at a million cases).
        crate::lift_statement_timeout(db).await?;
        db.execute_unprepared(
            "UPDATE cases SET subject_count = (SELECT COUNT(*) FROM subjects \
                 WHERE subjects.case_id = cases.id AND subjects.archived_at IS NULL)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_column(manager, "cases", "subject_count").await
    }
}
