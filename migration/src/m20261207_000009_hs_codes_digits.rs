//! HS codes as digits only, the form every write stores (`domain::types::HsCode`). The demo
//! and generated data kept the dots of the customs nomenclature ("2402.20"), so a filter by a
//! code typed one way missed the records stored the other (a review, stop 35). Seizures hold
//! one code, customs records a comma-separated list.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        crate::lift_statement_timeout(db).await?;
        for statement in [
            "UPDATE seizures SET hs_code = REPLACE(hs_code, '.', '') WHERE hs_code LIKE '%.%'",
            "UPDATE customs_records SET hs_codes = REPLACE(hs_codes, '.', '') \
                 WHERE hs_codes LIKE '%.%'",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    /// The dots are not put back: digits are a valid form of every code.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
