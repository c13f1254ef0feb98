//! An append-only audit event.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub subject: String,
    pub role: String,
    pub agency_code: Option<String>,
    pub operation: String,
    pub entity: String,
    #[sea_orm(column_type = "Text")]
    pub entity_ids: String,
    #[sea_orm(column_type = "Text")]
    pub restricted_fields: String,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
