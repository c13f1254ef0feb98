//! The rollups of the figures per reporting month and case key (issue 11): the dashboards over
//! whole reporting months read them instead of every case (`hub389_figures::rollup` defines
//! the table's meaning, NULL key parts included). Kept in the transaction of every write that
//! changes a figure or a key (`api::service::rollups`); `hub389 recount` rebuilds them.

use hub389_figures::{Figure, rollup};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table.table(Alias::new(rollup::TABLE));
        let mut key = Index::create();
        for column in rollup::KEY {
            if rollup::ID_KEY.contains(&column) {
                table.col(big_integer(Alias::new(column)));
            } else {
                table.col(string(Alias::new(column)));
            }
            key.col(Alias::new(column));
        }
        for f in Figure::ALL {
            table.col(big_integer(Alias::new(f.name())).default(0));
        }
        table.primary_key(&mut key);
        manager.create_table(table.to_owned()).await?;
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        if postgres {
            // The backfill reads every case (tens of seconds at a million): the pool's
            // statement_timeout guards requests, not this one-off. LOCAL: only this
            // migration's transaction, never the pooled connection afterwards.
            db.execute_unprepared("SET LOCAL statement_timeout = 0")
                .await?;
        }
        db.execute_unprepared(&rollup::fill(postgres)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(rollup::TABLE)).to_owned())
            .await?;
        Ok(())
    }
}
