//! A case's public summary and its approval workflow.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    #[sea_orm(column_type = "Text")]
    pub headline: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub public_facts: String,
    pub status: String,
    pub drafted_by_agency_id: i64,
    #[sea_orm(column_type = "Text")]
    pub review_reason: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
    /// The agency that must review the text before approval, when the case holds restricted
    /// data the drafting agency may not read (informants of linked tips).
    pub review_agency_id: Option<i64>,
    /// When that agency passed the text; cleared whenever the text changes.
    pub reviewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
