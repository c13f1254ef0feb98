//! Schema migrations. Each migration has a `down` that undoes exactly its `up`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_init;
mod m20261123_000002_workflows;
mod m20261201_000003_durability;
mod m20261202_000004_hostile;
mod m20261205_000005_case_subject_count;
mod m20261206_000006_case_rollups;

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
        ]
    }
}
