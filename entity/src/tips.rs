//! A tip from a citizen (tin báo). Reporter fields are the informant compartment.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tips")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tracking_code: String,
    pub received_at: DateTimeUtc,
    pub channel: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text")]
    pub reporter_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub reporter_contact: Option<String>,
    pub assigned_agency_id: Option<i64>,
    pub status: String,
    pub case_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub dismissal_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
