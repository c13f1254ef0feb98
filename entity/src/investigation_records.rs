//! Police investigation record on a case: the police compartment.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "investigation_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub investigating_agency_id: i64,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub prosecution_decision: Option<String>,
    pub prosecuted_on: Option<Date>,
    pub defendants: i32,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
