//! Schema migrations. Each migration has a `down` that undoes exactly its `up`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_init;
mod m20261123_000002_workflows;
mod m20261201_000003_durability;
mod m20261202_000004_hostile;
mod m20261205_000005_case_subject_count;
mod m20261206_000006_case_rollups;
mod m20261206_000007_watches;
mod m20261206_000008_case_rollups_by_agency;
mod m20261207_000009_hs_codes_digits;

/// Lifts PostgreSQL's `statement_timeout` for the rest of the current transaction (`LOCAL`:
/// never the pooled connection afterwards). For the one-off statements that read every case —
/// a migration's backfill, a recount, a rebuild of the rollups — which the pool's timeout,
/// meant for requests, would cancel at a million cases. Nothing on SQLite.
pub async fn lift_statement_timeout<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
        // Nor the bound on waiting for a lock (`HUB389_DB_TIMEOUT`): a migration or a rebuild
        // waits its turn behind the requests holding the tables it changes.
        db.execute_unprepared("SET LOCAL lock_timeout = 0").await?;
    }
    Ok(())
}

/// The trigram indexes of the substring search on PostgreSQL (`name`, then the statement that
/// creates it): created by the first migration, and dropped and built again by a bulk load
/// (`hub389 seed --cases`), for which building a GIN index once is cheaper than updating it
/// row by row. `IF NOT EXISTS`, so creating them again is harmless.
pub const SEARCH_INDEXES: [(&str, &str); 2] = [
    (
        "idx_cases_search_key_trgm",
        "CREATE INDEX IF NOT EXISTS idx_cases_search_key_trgm ON cases USING gin (search_key gin_trgm_ops)",
    ),
    (
        "idx_subjects_name_key_trgm",
        "CREATE INDEX IF NOT EXISTS idx_subjects_name_key_trgm ON subjects USING gin (name_key gin_trgm_ops)",
    ),
];

/// A table's or a column's name.
pub(crate) fn n(s: &str) -> Alias {
    Alias::new(s)
}

/// The foreign key `fk_{table}_{column}`: `table.column` references the `id` of `target`.
pub(crate) fn references(table: &str, column: &str, target: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(n(table), n(column))
        .to(n(target), n("id"))
        .to_owned()
}

/// `ALTER TABLE … ADD COLUMN`: one column per statement, as SQLite alters them.
pub(crate) async fn add_column(
    manager: &SchemaManager<'_>,
    table: &str,
    column: impl IntoColumnDef,
) -> Result<(), DbErr> {
    let column: ColumnDef = column.into();
    manager
        .alter_table(Table::alter().table(n(table)).add_column(column).to_owned())
        .await
}

/// `ALTER TABLE … DROP COLUMN`.
pub(crate) async fn drop_column(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(n(table))
                .drop_column(n(column))
                .to_owned(),
        )
        .await
}

/// `CREATE INDEX name ON table (columns…)`, `UNIQUE` when `unique`; named after the table and
/// its columns: `uq_{table}_{columns}` when unique, else `idx_{table}_{columns}`.
pub(crate) async fn create_index(
    manager: &SchemaManager<'_>,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let kind = if unique { "uq" } else { "idx" };
    let name = format!("{kind}_{table}_{}", columns.join("_"));
    let mut index = Index::create();
    index.name(name).table(n(table));
    if unique {
        index.unique();
    }
    for column in columns {
        index.col(n(column));
    }
    manager.create_index(index).await
}

/// `DROP TABLE` of each table in turn (those that refer to others first).
pub(crate) async fn drop_tables(manager: &SchemaManager<'_>, tables: &[&str]) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(n(table)).to_owned())
            .await?;
    }
    Ok(())
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_init::Migration),
            Box::new(m20261123_000002_workflows::Migration),
            Box::new(m20261201_000003_durability::Migration),
            Box::new(m20261202_000004_hostile::Migration),
            Box::new(m20261205_000005_case_subject_count::Migration),
            Box::new(m20261206_000006_case_rollups::Migration),
            Box::new(m20261206_000007_watches::Migration),
            Box::new(m20261206_000008_case_rollups_by_agency::Migration),
            Box::new(m20261207_000009_hs_codes_digits::Migration),
        ]
    }
}
