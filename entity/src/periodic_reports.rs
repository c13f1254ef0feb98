//! An agency's periodic report (báo cáo định kỳ) for one period.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "periodic_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    pub period_kind: String,
    pub period_start: Date,
    pub period_end: Date,
    pub due_on: Date,
    pub filed_at: Option<DateTimeUtc>,
    pub is_late: bool,
    pub figures: Json,
    #[sea_orm(column_type = "Text")]
    pub correction_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    /// Figures computed from the agency's cases when filed; `figures` may correct them.
    pub computed_figures: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
