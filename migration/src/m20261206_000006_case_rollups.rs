//! The rollups of the figures per reporting month and case key, with and without the status
//! (issue 11): the dashboards over whole reporting months read them instead of every case
//! (`hub389_figures::rollup` defines the tables' meaning, NULL key parts included). Kept in the transaction of every write that
//! changes a figure or a key (`api::service::rollups`); `hub389 recount` rebuilds them.

use hub389_figures::Figure;
use hub389_figures::rollup::{self, Rollup};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for r in Rollup::ALL {
            let mut table = Table::create();
            table.table(Alias::new(r.table()));
            let mut key = Index::create();
            for column in r.key() {
                if rollup::ID_KEY.contains(column) {
                    table.col(big_integer(Alias::new(*column)));
                } else {
                    table.col(string(Alias::new(*column)));
                }
                key.col(Alias::new(*column));
            }
            for f in Figure::ALL {
                table.col(big_integer(Alias::new(f.name())).default(0));
            }
            table.primary_key(&mut key);
            manager.create_table(table.to_owned()).await?;
        }
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        // The backfill reads every case (tens of seconds at a million).
        crate::lift_statement_timeout(db).await?;
        for r in Rollup::ALL {
            db.execute_unprepared(&r.fill(postgres)).await?;
            if postgres {
                // Planner statistics now, not at autovacuum's next pass: without them a YEAR
                // took bitmap scans without parallel workers (80 ms instead of 40).
                db.execute_unprepared(&format!("ANALYZE {}", r.table()))
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for r in Rollup::ALL {
            manager
                .drop_table(Table::drop().table(Alias::new(r.table())).to_owned())
                .await?;
        }
        Ok(())
    }
}
