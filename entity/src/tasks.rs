//! A task (nhiệm vụ) assigned by a directive. Overdue is derived, never stored.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub directive_id: i64,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub lead_agency_id: i64,
    pub due_on: Option<Date>,
    pub recurrence_day: Option<i32>,
    pub status: String,
    pub completed_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
