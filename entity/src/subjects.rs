//! A person or organisation linked to a case (đối tượng). Police compartment, except the tax code which customs also holds.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "subjects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub role: String,
    pub full_name: String,
    pub name_key: String,
    pub id_number: Option<String>,
    pub date_of_birth: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub address: Option<String>,
    pub nationality: Option<String>,
    pub tax_code: Option<String>,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
