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

/// The tables this migration made: later ones are their own migrations' (the list of
/// `Rollup::ALL` grows; what this one did must not).
const TABLES: [Rollup; 2] = [Rollup::ByStatus, Rollup::AnyStatus];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_rollups(manager, &TABLES, None).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_rollups(manager, &TABLES).await
    }
}

/// Creates the rollup tables `tables` and fills them from every case, or from the finer rollup
/// `from` when one is given (summing its rows reads a fraction of what the cases are).
pub(crate) async fn create_rollups(
    manager: &SchemaManager<'_>,
    tables: &[Rollup],
    from: Option<Rollup>,
) -> Result<(), DbErr> {
    for r in tables {
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
    for r in tables {
        let fill = match from {
            Some(finer) => r.fill_from(finer),
            None => r.fill(postgres),
        };
        db.execute_unprepared(&fill).await?;
        if postgres {
            // Planner statistics now, not at autovacuum's next pass: without them a YEAR
            // took bitmap scans without parallel workers (80 ms instead of 40).
            db.execute_unprepared(&format!("ANALYZE {}", r.table()))
                .await?;
        }
    }
    Ok(())
}

pub(crate) async fn drop_rollups(
    manager: &SchemaManager<'_>,
    tables: &[Rollup],
) -> Result<(), DbErr> {
    for r in tables {
        manager
            .drop_table(Table::drop().table(Alias::new(r.table())).to_owned())
            .await?;
    }
    Ok(())
}
