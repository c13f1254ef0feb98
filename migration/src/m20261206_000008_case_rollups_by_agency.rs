//! The coarse rollup (issue 11): figures per reporting month × lead agency × violation type ×
//! commodity group, for the dashboards by agency and group, which read a tenth of the rows of
//! `case_rollups_any_status` (`hub389_figures::rollup::Rollup::ByAgency`). Kept by the same
//! writes as the others.

use hub389_figures::rollup::Rollup;
use sea_orm_migration::prelude::*;

use crate::m20261206_000006_case_rollups::{create_rollups, drop_rollups};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // From the rollup without status, kept up to date by every write since migration 6.
        create_rollups(manager, &[Rollup::ByAgency], Some(Rollup::AnyStatus)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_rollups(manager, &[Rollup::ByAgency]).await
    }
}
