//! A directing document (văn bản chỉ đạo). Issuer, year, number and type form its key.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "directives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub symbol: String,
    pub number: i32,
    pub doc_type: String,
    pub issuer: String,
    pub drafting_unit: Option<String>,
    pub issuer_name: String,
    pub issued_on: Date,
    pub year: i32,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub created_at: DateTimeUtc,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
