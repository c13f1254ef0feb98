//! Seized goods (tang vật).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "seizures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    #[sea_orm(column_type = "Text")]
    pub item: String,
    pub commodity_group: String,
    pub quantity: f64,
    pub unit: String,
    pub estimated_value: i64,
    pub hs_code: Option<String>,
    /// The plate of a seized vehicle (biển số), as [`api`'s `VehiclePlate`] stores it: upper
    /// case letters and digits only.
    pub vehicle_plate: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub storage_place: Option<String>,
    pub disposal_status: String,
    pub disposal_approved_on: Option<Date>,
    pub disposal_approval_ref: Option<String>,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
