//! Demo and benchmark data for Lạng Sơn's Steering Committee 389.
//!
//! [`load_demo`] fills an empty database with a coherent, deterministic data set drawn from the
//! source documents in `seeds/` (agencies, communes, border gates, directives and their
//! citations, tasks, campaigns, ≈300 cases with subjects, seizures, customs and investigation
//! records, tips, publications, periodic reports). [`generate_cases`] adds any number of further
//! cases with the same generator, in bulk, for benchmarks.
//!
//! Rows are written with explicit ids (children reference parents without a round trip per
//! row); on PostgreSQL the id sequences are moved past them afterwards.

mod demo;
mod generate;
mod plans;
mod reference;
mod templates;
mod util;

use sea_orm::{DatabaseConnection, EntityTrait};

/// What [`load_demo`] inserted.
#[derive(Debug, Clone, Default)]
pub struct SeedSummary {
    pub agencies: u64,
    pub communes: u64,
    pub directives: u64,
    pub tasks: u64,
    pub campaigns: u64,
    pub cases: u64,
    pub tips: u64,
    pub publications: u64,
}

/// True when the database holds no agencies (i.e. never seeded).
pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(entity::agencies::Entity::find().one(db).await?.is_none())
}

/// Loads the whole demo data set into an empty database, in one transaction. Deterministic.
/// Informant fields are encrypted with `key` inside that transaction, so their clear text is
/// never committed.
pub async fn load_demo(
    db: &DatabaseConnection,
    key: &crate::crypto::DataKey,
) -> anyhow::Result<SeedSummary> {
    demo::load(db, key).await
}

/// Generates `n` more cases (with subjects, seizures, customs/investigation records, coordinators,
/// campaign links) deterministically from `seed`, for benchmarks. Requires reference data present.
/// Rows go in with multi-row inserts, a few thousand cases per transaction; case codes continue
/// after the largest existing id, so they never collide. Returns the number of cases inserted.
pub async fn generate_cases(db: &DatabaseConnection, n: u64, seed: u64) -> anyhow::Result<u64> {
    generate::generate_cases(db, n, seed).await
}

#[cfg(test)]
mod tests;
