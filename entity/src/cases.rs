//! A violation case (vụ việc vi phạm): the core compartment.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub violation_type: String,
    pub commodity_group: String,
    pub channel: String,
    pub platform: Option<String>,
    pub lead_agency_id: i64,
    pub commune_id: Option<i64>,
    pub border_gate_id: Option<i64>,
    pub detected_on: Date,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub goods_summary: String,
    pub fine_amount: i64,
    pub tax_arrears: i64,
    pub goods_value: i64,
    pub budget_collected: i64,
    pub handled_on: Option<Date>,
    /// Its subjects that are not archived (kept by every subject write, for the statistics).
    pub subject_count: i32,
    #[sea_orm(column_type = "Text")]
    pub search_key: String,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
