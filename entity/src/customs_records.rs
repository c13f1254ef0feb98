//! Customs data on a case: the customs compartment.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "customs_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub declaration_number: String,
    pub declared_on: Date,
    pub regime: String,
    #[sea_orm(column_type = "Text")]
    pub hs_codes: String,
    pub importer_tax_code: Option<String>,
    pub exporter_tax_code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub inspection_result: String,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
