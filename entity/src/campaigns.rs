//! A peak campaign (đợt cao điểm).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub directive_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub focus_commodity_groups: String,
    #[sea_orm(column_type = "Text")]
    pub focus_violation_types: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
